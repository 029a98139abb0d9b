#!/usr/bin/env bash
# How long a node on its embedded PostgreSQL takes to drain on SIGTERM while it holds PAIRS paired phones and
# browsers exchanging RATE msg/s, and whether the drain's writes landed: the time from the signal to the process's
# exit, each drain step's own log line, and, read from the database afterwards, how many phones' devices still hold
# numbers they never handed out (each phone's unused block is given back as its socket closes; a release that did
# not land leaves a gap its next node skips).
#
#   bench/drain-time.sh relay|<relay jar> [LABEL] [PAIRS]      (PORT: 3400; PAIRS: 2000; RATE: the phones' msg/s in all, 200;
#                                                             RELAY_JAVA_OPTS: the node's JVM options, see bench/relay-jvm.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
SYSTEM=$1 LABEL=${2:-$1} PAIRS=${3:-2000} PORT=${PORT:-3400}
BENCH_JAR=${BENCH_JAR:-target/relay-bench.jar}
JAR=$SYSTEM; [ "$SYSTEM" = relay ] && JAR=target/relay.jar
DATA=$(mktemp -d)
. bench/load-limits.sh # as bench/run.sh: the whole load comes from one address
. bench/relay-jvm.sh
PORT=$PORT DATA_DIR="$DATA" java $RELAY_JAVA_OPTS -jar "$JAR" >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; kill ${LOAD:-} 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 360); do curl -sf "http://127.0.0.1:$PORT/api/auth/health" >/dev/null && break; sleep 0.5; done

java -jar "$BENCH_JAR" --url "127.0.0.1:$PORT" --pairs "$PAIRS" --pairing-rate 200 --rate "${RATE:-200}" --warmup 0 --duration 600 --quiet \
  >"$DATA/load.log" 2>&1 &
LOAD=$!
sleep $((PAIRS / 200 + 25)) # every pair paired, then a while of messages
kill -TERM $SERVER
t0=$(date +%s%N)
wait $SERVER || true
t1=$(date +%s%N)
kill $LOAD 2>/dev/null || true
wait $LOAD 2>/dev/null || true

# The node stopped its database; open it again to read what the drain left.
DATA_DIR="$DATA" java -jar "$JAR" embedded-postgres >"$DATA/pg.out" 2>"$DATA/pg.log" &
PG=$!
for _ in $(seq 1 120); do grep -q DATABASE_URL "$DATA/pg.out" && break; sleep 0.5; done
pgport=$(grep -o '127.0.0.1:[0-9]*' "$DATA/pg.out" | cut -d: -f2)
holding=$(psql -h 127.0.0.1 -p "$pgport" -U postgres -d relay -Atc \
  "SELECT count(*) || ' devices, ' || count(*) FILTER (WHERE seq_reserved > last_seq) || ' still holding unused numbers' FROM devices")
kill $PG; wait $PG 2>/dev/null || true

printf '%-12s exit %5d ms after SIGTERM; %s; %s\n' "$LABEL" $(((t1 - t0) / 1000000)) \
  "$(grep -o 'drain: [^0-9]* took [0-9]* ms' "$DATA/server.log" | sed 's/^drain: //' | awk 'NR > 1 {printf "; "} {printf "%s", $0}')" "$holding"
grep -h "closing storage after\|drain did not finish" "$DATA/server.log" || true
