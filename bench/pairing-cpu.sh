#!/usr/bin/env bash
# The CPU one pairing round costs, by process: the server (a relay's JVM, or the Node peer), a relay's PostgreSQL
# (postmaster and backends), and the load tool; with the round's pairing p50 / p99. The round is the pairing
# scenario's measured one (2,000 pairings at 200/s with 200 msg/s, after an unmeasured round of 1,000 on a freshly
# started server), so a figure here sits beside a `bench/run.sh pairing` run, where the p99 alone moves by 2x from
# run to run on a 2-core machine and the CPU moves by a tenth. Run each system a few times, alternating.
#
#   bench/pairing-cpu.sh relay|node|<relay jar> [LABEL]      (PORT: 3400; RELAY_JAVA_OPTS, PAIRING_TOOL_JAVA_OPTS: the
#                                                              relay's and the load tool's JVM options, by default
#                                                              bench/run.sh pairing's, from bench/relay-jvm.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
SYSTEM=$1 LABEL=${2:-$1} PORT=${PORT:-3400}
BENCH_JAR=${BENCH_JAR:-target/relay-bench.jar}
DATA=$(mktemp -d)
. bench/load-limits.sh # as bench/run.sh: the whole load comes from one address
. bench/relay-jvm.sh
case $SYSTEM in
  node) PORT=$PORT node bench/peers/server.js >"$DATA/server.log" 2>&1 & ;;
  relay) PORT=$PORT DATA_DIR="$DATA" java $RELAY_JAVA_OPTS -jar target/relay.jar >"$DATA/server.log" 2>&1 & ;;
  *) PORT=$PORT DATA_DIR="$DATA" java $RELAY_JAVA_OPTS -jar "$SYSTEM" >"$DATA/server.log" 2>&1 & ;;
esac
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 360); do curl -sf "http://127.0.0.1:$PORT/api/auth/health" >/dev/null && break; sleep 0.5; done

# utime + stime of the given processes, in clock ticks
ticks() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{s = substr($0, index($0, ") ") + 2); split(s, f, " "); print f[12] + f[13]}' "/proc/$p/stat"))); done; echo $t; }
postgres() { local pm; pm=$(pgrep -o -f -- "-D $DATA/pg" || true); [ -n "$pm" ] && echo "$pm" $(pgrep -P "$pm"); true; }
round() { java $PAIRING_TOOL_JAVA_OPTS -jar "$BENCH_JAR" --url "127.0.0.1:$PORT" --pairing-rate 200 --rate 200 --prewarm 0 --quiet "$@"; }

round --pairs 1000 --duration 1 --warmup 0 >/dev/null 2>&1
sleep 2
s0=$(ticks $SERVER) p0=$(ticks $(postgres))
TIMEFORMAT='%U %S'
{ time round --pairs 2000 --duration 2 --warmup 1 >"$DATA/round.log" 2>&1; } 2>"$DATA/tool.time"
s1=$(ticks $SERVER) p1=$(ticks $(postgres))
hz=$(getconf CLK_TCK)
awk -v l="$LABEL" -v s=$((s1 - s0)) -v p=$((p1 - p0)) -v hz="$hz" -v tool="$(tail -1 "$DATA/tool.time")" -v lat="$(grep -E '\| pairing' "$DATA/round.log" | awk -F'|' '{print $6, $8}')" \
  'BEGIN { split(tool, t, " "); split(lat, q, " ");
           printf "%-12s server %6.0f ms  postgres %6.0f ms  load tool %6.0f ms  pairing p50 %s p99 %s ms\n", l, s * 1000 / hz, p * 1000 / hz, (t[1] + t[2]) * 1000, q[1], q[2] }'
grep -o "warm-up done in [0-9]* ms" "$DATA/server.log" || true
