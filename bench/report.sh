#!/usr/bin/env bash
# Report rendering cost: `plimsoll check` of the whole shared corpus (or examples/ without it),
# written to /dev/null as JSON, Markdown (--full), HTML and the grouped human format. The check
# dominates; the target is HTML within 20 % of JSON. hyperfine does the timing.
#
# Usage: bench/report.sh [BINARY]   (default target/release/plimsoll). Bounded runs; no network.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/target/release/plimsoll}"
runs="${RUNS:-10}"
corpus="$root/../shared/corpus"
[ -d "$corpus" ] || corpus="$root/examples"
export PLIMSOLL_CACHE_DIR="$(mktemp -d)"
trap 'rm -rf "$PLIMSOLL_CACHE_DIR"' EXIT
cd "$root"
hyperfine -N -i --warmup 2 --runs "$runs" \
  "$bin check $corpus --format json -o /dev/null" \
  "$bin check $corpus --format html -o /dev/null" \
  "$bin check $corpus --format markdown --full -o /dev/null" \
  "$bin check $corpus --format human -o /dev/null"
