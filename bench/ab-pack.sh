#!/usr/bin/env bash
# Compare two builds of a pack on this noisy VM: interleaved runs of the evaluate_loop example
# (N evaluations of the pack on bench/data/twenty.yaml, fresh instance each), CPU seconds per run.
# Interleaving matters here: the machine's speed drifts by ±20 % over minutes, which swamps a
# criterion A/B taken one after the other.
#
#   cargo build --release -p plimsoll-tests --example evaluate_loop
#   bench/ab-pack.sh 10000 target/wasm/wasm32-wasip2/policy/plimsoll_policy_resources.wasm /tmp/other/resources.wasm 8
set -euo pipefail
n=${1:?N evaluations}; a=${2:?first pack .wasm}; b=${3:?second pack .wasm}; rounds=${4:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
loop=$root/target/release/examples/evaluate_loop
[ -x "$loop" ] || { echo "build it first: cargo build --release -p plimsoll-tests --example evaluate_loop" >&2; exit 2; }
for _ in $(seq "$rounds"); do
  for pack in A B; do
    wasm=$a; [ "$pack" = B ] && wasm=$b
    # user + system seconds of one process (includes compiling the pack once, the same for both)
    cpu=$( { /usr/bin/time -f "%U %S" "$loop" "$n" "$wasm" >/dev/null; } 2>&1 | tail -1 | awk '{print $1 + $2}')
    echo "$pack $cpu"
  done
done | awk -v n="$n" '{ sum[$1] += $2; runs[$1]++; print }
  END { for (p in sum) printf "%s: mean %.3f s CPU per run of %d evaluations\n", p, sum[p] / runs[p], n }'
