# One line from hey's report (requests/s, p50, p99, 200 responses), for bench/server.sh and bench/admission.sh.
/Requests\/sec/ { rps = $2 }
/50% in/ { p50 = $3 }
/99% in/ { p99 = $3 }
/\[200\]/ { ok = $2 }
END { printf "requests/s %.0f  p50 %.2f ms  p99 %.2f ms  200s %s\n", rps, p50 * 1000, p99 * 1000, ok }
