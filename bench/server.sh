#!/usr/bin/env bash
# Throughput, latency and memory of `plimsoll serve` on loopback, with wrk (Debian's `wrk`).
#
# Usage: bench/server.sh [BINARY]   (default target/release/plimsoll; build it with
#        `cargo build --release -p plimsoll`). Bounded: every wrk run lasts DURATION seconds (default 10),
#        the soak SOAK seconds (default 60). Loopback only. Prints one line per run; numbers go in
#        bench/README.md with the machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/target/release/plimsoll}"
duration="${DURATION:-10}"
soak="${SOAK:-60}"
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# Request bodies: one service, and twenty.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
one = "services:\n  web:\n    image: nginx:1.27.0\n    deploy:\n      resources:\n        limits: { memory: 256M, cpus: \"0.5\" }\n"
many = "services:\n" + "".join(
    f"  svc{i}:\n    image: nginx:1.27.{i}\n    restart: unless-stopped\n    ports: [\"127.0.0.1:{8000+i}:80\"]\n"
    f"    deploy:\n      resources:\n        limits: {{ memory: 256M, cpus: \"0.25\" }}\n"
    for i in range(20))
for name, compose in [("one", one), ("twenty", many)]:
    with open(f"{work}/{name}.json", "w") as f:
        json.dump({"files": {"compose.yaml": compose}}, f)
for name in ["one", "twenty"]:
    body = open(f"{work}/{name}.json").read()
    with open(f"{work}/{name}.lua", "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write("wrk.body = " + json.dumps(body) + "\n")
        f.write('done = function(summary, latency, requests)\n'
                '  io.write(string.format("requests/s %.0f  p50 %.2f ms  p99 %.2f ms  non-2xx %d  errors %d\\n",'
                ' summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,'
                ' latency:percentile(99) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read'
                ' + summary.errors.write + summary.errors.timeout))\nend\n')
PY

"$bin" serve --listen 127.0.0.1:18181 --queue 256 --log-format json 2>"$work/server.log" &
pid=$!
for _ in $(seq 1 300); do
  curl -sf http://127.0.0.1:18181/readyz >/dev/null && break
  sleep 0.1
done
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo); binary: $bin"
echo "RSS idle: $(rss)"
for body in one twenty; do
  curl -sf -XPOST http://127.0.0.1:18181/v1/check -H 'Content-Type: application/json' --data @"$work/$body.json" >/dev/null
  echo -n "$body service(s), saturation (4 connections, 2 threads, ${duration}s): "
  wrk -t2 -c4 -d"${duration}s" -s "$work/$body.lua" http://127.0.0.1:18181/v1/check | tail -1
  echo "RSS under load: $(rss)"
done
if wrk --help 2>&1 | grep -q -- '-R'; then
  echo -n "one service at 1000 requests/s: "
  wrk -t2 -c8 -d"${duration}s" -R1000 -s "$work/one.lua" http://127.0.0.1:18181/v1/check | tail -1
elif command -v hey >/dev/null 2>&1; then
  # Debian's wrk has no fixed rate; hey (Debian `hey`) does: 4 workers at 250 requests/s each (hey ticks its workers together, so 10 workers would arrive in bursts of 10 and measure their own queueing).
  echo -n "one service at 1000 requests/s (hey, 4 workers x 250/s, ${duration}s): "
  hey -z "${duration}s" -c 4 -q 250 -m POST -T application/json -D "$work/one.json" http://127.0.0.1:18181/v1/check \
    | awk -f "$root/bench/hey_summary.awk"
else
  echo "fixed-rate run skipped: this wrk has no -R (wrk2 has) and hey is not installed (apt-get install hey)"
fi
echo -n "soak, one service, saturation (${soak}s): "
before="$(rss)"
wrk -t2 -c4 -d"${soak}s" -s "$work/one.lua" http://127.0.0.1:18181/v1/check | tail -1
echo "RSS before soak: $before, after: $(rss)"
