#!/usr/bin/env bash
# What one hostile client makes a relay node hold: heap and RSS before, during and after an attack, on a
# fresh node of the jar given (default target/relay.jar), on loopback only.
#
#   bench/hostile.sh binary [JAR]   a socket that never registers opens 451000-["mobile:messages",{placeholder}]
#                                   and streams 150 binary frames of 1 MB at it
#   bench/hostile.sh slow [JAR]     a paired browser stops reading its TCP socket while its phone sends
#                                   80 messages of 512 KB
#   bench/hostile.sh blind [JAR]    the same browser sends a pong every 200 ms without reading (1 s / 2 s
#                                   heartbeat, MAX_OUTBOUND_BYTES raised to 512 MiB so only the heartbeat acts)
#
# "during" is sampled while the attacker holds its connection (HOLD_MS, default 15000), "after" once it is
# gone. Heap is the live heap after a full GC (jcmd GC.run, then GC.heap_info); RSS is the process's
# resident memory (/proc/PID/status VmRSS), where buffers outside the heap show too. "peak" is the highest
# RSS and relay_outbound_buffered_bytes seen every 200 ms over the whole attack (no GC forced). The node
# runs with JAVA_OPTS (default -Xmx1g) and the attack script is src/test/node/relay-hostile.js. HISTO=1 adds
# the node's largest classes by live bytes at "during".
#
# Compare a build before the bounds: bench/hostile.sh slow /path/to/old-relay.jar
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIO=${1:-binary}
JAR=${2:-target/relay.jar}
PORT=${PORT:-4180} # not 4190: fetch refuses it (a "bad port")
HOLD_MS=${HOLD_MS:-15000}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
URL="http://127.0.0.1:$PORT"

[ -f "$JAR" ] || { echo "no jar at $JAR (build it: ./mvnw -B -DskipTests package)" >&2; exit 1; }
[ -d src/test/node/node_modules/ws ] || (cd src/test/node && npm ci --silent)

WORK=$(mktemp -d)
SERVER_PID=
ATTACK_PID=
cleanup() {
  [ -n "$ATTACK_PID" ] && kill "$ATTACK_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

EXTRA_ENV=()
case "$SCENARIO" in
  binary) ATTACK=(binary "$URL" 150 1000000 "$HOLD_MS") ;;
  slow) ATTACK=(slow "$URL" 80 524288 "$HOLD_MS") ;;
  blind) ATTACK=(slow "$URL" 80 524288 "$HOLD_MS" blind)
         EXTRA_ENV=(PING_INTERVAL_MS=1000 PING_TIMEOUT_MS=2000 MAX_OUTBOUND_BYTES=536870912) ;;
  *) echo "usage: bench/hostile.sh binary|slow|blind [JAR]" >&2; exit 2 ;;
esac

env PORT="$PORT" HOST=127.0.0.1 DATA_DIR="$WORK/data" "${EXTRA_ENV[@]}" java $JAVA_OPTS -jar "$JAR" >"$WORK/node.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -sf "$URL/api/auth/health" >/dev/null && break
  sleep 1
done
curl -sf "$URL/api/auth/health" >/dev/null || { echo "node did not start:" >&2; tail -20 "$WORK/node.log" >&2; exit 1; }
sleep 3 # let start-up allocation settle

sample() {
  jcmd "$SERVER_PID" GC.run >/dev/null
  local heap rss outbound
  heap=$(jcmd "$SERVER_PID" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
  rss=$(grep VmRSS "/proc/$SERVER_PID/status" | grep -oE '[0-9]+')
  outbound=$(curl -sf "$URL/metrics" | grep -E '^relay_outbound_buffered_bytes ' | awk '{printf "%.0f", $2}' || true)
  printf '%-7s heap %6d MiB   RSS %6d MiB   relay_outbound_buffered_bytes %s\n' "$1" $((heap / 1024)) $((rss / 1024)) "${outbound:-n/a}"
}

echo "scenario $SCENARIO, jar $JAR"
sample before
(cd src/test/node && node relay-hostile.js "${ATTACK[@]}" >"$WORK/attack.json" 2>"$WORK/attack.log") &
ATTACK_PID=$!
# Peak RSS and outbound gauge over the attack, sampled in the background.
(
  peak_rss=0 peak_out=0
  while kill -0 "$ATTACK_PID" 2>/dev/null; do
    rss=$(grep VmRSS "/proc/$SERVER_PID/status" | grep -oE '[0-9]+')
    out=$(curl -sf --max-time 1 "$URL/metrics" | grep -E '^relay_outbound_buffered_bytes ' | awk '{printf "%.0f", $2}' || true)
    [ "${rss:-0}" -gt "$peak_rss" ] && peak_rss=$rss
    [ "${out:-0}" -gt "$peak_out" ] && peak_out=$out
    echo "$peak_rss $peak_out" >"$WORK/peak"
    sleep 0.2
  done
) &
# "during": once the attacker has sent everything and holds its connection.
for _ in $(seq 1 600); do
  grep -q 'holding' "$WORK/attack.log" 2>/dev/null && break
  kill -0 "$ATTACK_PID" 2>/dev/null || break
  sleep 0.2
done
sleep 1
sample during
[ -n "${HISTO:-}" ] && jcmd "$SERVER_PID" GC.class_histogram | grep -E "^ *[0-9]+:" | head -${HISTO_LINES:-12}
wait "$ATTACK_PID" || true
ATTACK_PID=
sleep 2
sample after
read -r peak_rss peak_out <"$WORK/peak" || true
printf 'peak    RSS %6d MiB   relay_outbound_buffered_bytes %s\n' $((${peak_rss:-0} / 1024)) "${peak_out:-0}"
echo "attack: $(cut -c1-400 "$WORK/attack.json")"; grep -i "unavailable" "$WORK/attack.log" || true
grep -E 'outbound full|limit sid|ping timeout' "$WORK/node.log" | head -3 || true
