#!/usr/bin/env bash
# Cold start of the whole `plimsoll check` process on a 20-service file: with an empty compiled-component
# cache (every pack compiled) and with a warm one. Uses hyperfine when installed (apt-get install hyperfine).
# Usage: bench/cold-start.sh   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p plimsoll
bin=target/release/plimsoll
file=bench/data/twenty.yaml
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export PLIMSOLL_CACHE_DIR="$cache/components"
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 1 -i --prepare "rm -rf $cache/components" "$bin check $file --format json" --command-name empty-cache
    "$bin" check "$file" --format json >/dev/null || true
    hyperfine -N --warmup 3 -i "$bin check $file --format json" --command-name warm-cache
else
    for label in empty warm; do
        start=$(date +%s%N)
        for _ in $(seq 10); do
            [ "$label" = empty ] && rm -rf "${cache:?}/components"
            "$bin" check "$file" --format json >/dev/null || true
        done
        echo "$label cache: $(( ($(date +%s%N) - start) / 10000000 )) ms per run (mean of 10)"
    done
fi
