#!/usr/bin/env bash
# What one idle Socket.IO connection costs, class by class: starts a relay node from a jar, weighs its live
# heap with `jcmd PID GC.class_histogram` (a full GC, reachable objects only), has the load tool pair 10
# phones and browsers and open N idle connections, weighs it again, and prints the difference per connection.
#
#   bench/idle-histogram.sh [N (10000)] [JAR (target/relay.jar)]
#
# Environment: PORT (3600), OUT (a temporary directory: the two histograms, the server log, the load tool's
# output), TOP (40 classes printed), BENCH_JAR (target/relay-bench.jar: the load tool), RELAY_JAVA_OPTS (the node's
# JVM options, see bench/relay-jvm.sh). The relay's abuse limits are lifted as bench/run.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-10000}
JAR=${2:-target/relay.jar}
BENCH_JAR=${BENCH_JAR:-target/relay-bench.jar}
PORT=${PORT:-3600}
TOP=${TOP:-40}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
. bench/load-limits.sh
. bench/relay-jvm.sh

DATA=$(mktemp -d)
PORT=$PORT HOST=127.0.0.1 DATA_DIR="$DATA" java $RELAY_JAVA_OPTS -jar "$JAR" >"$OUT/server.log" 2>&1 &
SERVER=$!
LOAD=
cleanup() { [ -n "$LOAD" ] && kill "$LOAD" 2>/dev/null; kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/api/auth/health" >/dev/null && break; sleep 0.5; done

# Weighed before the load tool starts, so the difference also holds its 10 pairs (20 sockets and their
# pairing state): about 0.3 % of the figure at 10,000 connections.
jcmd "$SERVER" GC.class_histogram >"$OUT/before.txt"
# The load tool pairs 10 phones and browsers, opens the idle connections, then holds everything while it
# sends 100 msg/s for a while: long enough to weigh the server with all connections open.
java -jar "$BENCH_JAR" --url "127.0.0.1:$PORT" --mode socketio --label histogram --pairs 10 --idle "$N" \
  --rate 100 --duration 60 --warmup 1 --prewarm 0 --out "$OUT/bench" >"$OUT/bench.log" 2>&1 &
LOAD=$!
for _ in $(seq 1 900); do grep -q 'idle connections open' "$OUT/bench.log" && break; sleep 1; done
sleep 2
jcmd "$SERVER" GC.class_histogram >"$OUT/after.txt"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")

echo "$N idle connections; histograms in $OUT; server RSS now $((rss / 1024)) MiB"
awk -v n="$N" -v top="$TOP" '
  $1 ~ /^[0-9]+:$/ { key = $4; if (FILENAME == ARGV[1]) { bi[key] = $2; bb[key] = $3 } else { ai[key] = $2; ab[key] = $3 } }
  $1 == "Total" { if (FILENAME == ARGV[1]) before = $3; else after = $3 }
  END {
    printf "live heap: %.0f bytes per connection\n", (after - before) / n
    printf "%10s %10s  %s\n", "B/conn", "inst/conn", "class"
    for (k in ab) printf "%10.1f %10.2f  %s\n", (ab[k] - bb[k]) / n, (ai[k] - bi[k]) / n, k | "sort -rn | head -" top
  }' "$OUT/before.txt" "$OUT/after.txt"
