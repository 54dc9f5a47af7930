#!/usr/bin/env bash
# Pack distribution on loopback: push and pull time of a Rust pack (built-in sized) and of a Python
# pack against Debian's docker-registry started here (127.0.0.1, random port, temp storage), and
# `plimsoll check` warm with two registry packs (locked, from the store) against the same two packs
# from local directories. hyperfine does the timing.
#
# Usage: bench/distribution.sh [BINARY]   (default target/release/plimsoll). Needs docker-registry,
#        hyperfine and the Python toolchain (scripts/install-toolchains.sh). Loopback only; bounded runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/target/release/plimsoll}"
runs="${RUNS:-10}"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$work/registry.yml" <<EOF
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$port }
EOF
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
reg="127.0.0.1:$port"

export PLIMSOLL_CACHE_DIR="$work/cache" CARGO_TARGET_DIR="$root/target/bench-packs"
cd "$work"
"$bin" policy new team-a --lang rust >/dev/null
"$bin" policy new team-b --lang rust >/dev/null
"$bin" policy new team-py --lang python >/dev/null
for p in team-a team-b team-py; do "$bin" policy build "$p" >/dev/null 2>&1; done
ls -l team-a/dist/team-a.wasm team-py/dist/team-py.wasm

echo "== push (the tag already exists from the warmup: blobs are skipped, the manifest is sent)"
hyperfine -N --warmup 1 --runs "$runs" \
  "$bin policy push team-a oci://$reg/bench/team-a:1 --force" \
  "$bin policy push team-py oci://$reg/bench/team-py:1 --force"
echo "== pull into an empty store"
hyperfine -N --runs "$runs" --prepare "rm -rf $work/store" \
  "env PLIMSOLL_STORE=$work/store $bin policy pull oci://$reg/bench/team-a:1" \
  "env PLIMSOLL_STORE=$work/store $bin policy pull oci://$reg/bench/team-py:1"

echo "== check, warm: two registry packs (locked, in the store) vs the same packs local"
"$bin" policy push team-b "oci://$reg/bench/team-b:1" >/dev/null
export PLIMSOLL_STORE="$work/store"
for kind in local oci; do
  mkdir -p "$kind" && cp -r "$root/examples/ziggie-before/." "$kind/"
done
printf '\npacks: ["%s", "%s"]\n' "$work/team-a" "$work/team-b" >> local/plimsoll.yaml
printf '\npacks: ["oci://%s/bench/team-a:1", "oci://%s/bench/team-b:1"]\n' "$reg" "$reg" >> oci/plimsoll.yaml
(cd oci && "$bin" policy lock >/dev/null 2>&1)
hyperfine -N --warmup 2 --runs "$runs" -i \
  "$bin check $work/local --format json" \
  "$bin check $work/oci --format json --locked"
