#!/usr/bin/env bash
# Generate a monorepo of 300 compose projects from the acceptance stacks (60 copies of each of five
# stacks, each in its own directory) and time `plimsoll check` on it, warm cache, JSON to /dev/null.
# Usage: bench/monorepo.sh [plimsoll binary] [work dir]
set -euo pipefail
bin=${1:-target/release/plimsoll}
work=${2:-$(mktemp -d)}
shared=${SHARED:-$(dirname "$0")/../../shared}
rm -rf "$work/mono" && mkdir -p "$work/mono"
for stack in "$shared"/acceptance/*/; do
  name=$(basename "$stack")
  for i in $(seq -w 1 60); do
    cp -r "$stack" "$work/mono/$name-$i"
  done
done
echo "projects: $(find "$work/mono" -name 'compose.yaml' -o -name 'docker-compose.yml' | wc -l)"
"$bin" check "$work/mono" --format json > /dev/null || true   # warm the component cache
for run in 1 2 3; do
  /usr/bin/time -f "run $run: %e s wall, %M KiB max RSS" "$bin" check "$work/mono" --format json > "$work/out.json" || true
done
python3 - "$work/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
import statistics
per = [p['duration_ms'] for p in d['projects']]
print(f"projects checked: {d['stats']['projects']}, findings: {len(d['findings'])}, check duration_ms: {d['stats']['duration_ms']}, "
      f"per-project evaluation median {statistics.median(per)} ms, p90 {sorted(per)[int(len(per) * 0.9)]} ms")
PY
