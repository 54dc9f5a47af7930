#!/usr/bin/env bash
# Time `plimsoll check <corpus> --format json` end to end on the shared corpus (every compose project and
# standalone Dockerfile below it, all four built-in packs), release build, warm compiled-component cache, with
# hyperfine; then print the run's own numbers from the JSON report: stats.duration_ms and the per-project
# `projects[].duration_ms` (median, p90, max, slowest projects). Never run by CI.
#
# Usage: bench/corpus.sh                         (builds the release binary first)
#        CORPUS=/path/to/corpus RUNS=30 bench/corpus.sh
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(realpath "${CORPUS:-../shared/corpus}")
runs=${RUNS:-20}
cargo build --release -q -p plimsoll
bin=$PWD/target/release/plimsoll
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$bin" check "$corpus" --format json > "$out/report.json" || true   # warms the compiled-component cache
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
# -N: no intermediate shell; the report goes to hyperfine's /dev/null. Exit code 1/2 is the gate's decision.
hyperfine -N --warmup 3 --runs "$runs" -i --export-json "$out/hyperfine.json" "$bin check $corpus --format json"
"$bin" check "$corpus" --format json > "$out/report.json" || true
python3 - "$out/report.json" "$out/hyperfine.json" <<'PY'
import json, statistics, sys
report = json.load(open(sys.argv[1]))
timing = json.load(open(sys.argv[2]))["results"][0]
stats = report["stats"]
per = sorted(p["duration_ms"] for p in report["projects"])
print(f"wall: mean {timing['mean'] * 1000:.0f} ms, median {timing['median'] * 1000:.0f} ms, "
      f"min {timing['min'] * 1000:.0f} ms, max {timing['max'] * 1000:.0f} ms "
      f"(user {timing['user'] * 1000:.0f} ms, system {timing['system'] * 1000:.0f} ms)")
print(f"report: {stats['projects']} projects, {stats['services']} services, {stats['packs']} packs, "
      f"{stats['rules']} rules, {len(report['findings'])} findings, {len(report['errors'])} load errors; "
      f"stats.duration_ms {stats['duration_ms']} ms")
print(f"per project (projects[].duration_ms, whole ms): median {statistics.median(per)} ms, "
      f"p90 {per[int(len(per) * 0.9)]} ms, max {per[-1]} ms, sum {sum(per)} ms")
for p in sorted(report["projects"], key=lambda p: -p["duration_ms"])[:5]:
    print(f"  {p['duration_ms']:>3} ms  {p['path']} ({p['services']} services)")
PY
