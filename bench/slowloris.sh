#!/usr/bin/env bash
# What a slowloris costs a node: TCP connections open on its port, its RSS and heap, before, during and
# after an attack by bench/slowloris.js (half the connections trickle a header line every LINE_EVERY_MS,
# half send nothing), all from one address.
#
#   bench/slowloris.sh [path/to/relay.jar]          (default target/relay.jar)
#
# Environment: CONNECTIONS (350), LINE_EVERY_MS (10000), ATTACK_SECONDS (60), RECONNECT (0; 1 = the
# attacker opens a closed connection again at once), PORT (4300), JAVA_OPTS (-Xmx512m). Relay settings
# such as MAX_TCP_CONNECTIONS_PER_IP or HTTP_HEADER_TIMEOUT_SECONDS pass through to the node.
# Prints one line per sample: when, server-side established connections (ss; connections still waiting
# in the listen backlog count too), RSS, heap used, and the attacker's own count of open connections and
# of those the server closed; at the end, the same after a full GC, and the node's own connection count.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=${1:-target/relay.jar}
CONNECTIONS=${CONNECTIONS:-350}
LINE_EVERY_MS=${LINE_EVERY_MS:-10000}
ATTACK_SECONDS=${ATTACK_SECONDS:-60}
RECONNECT=${RECONNECT:-0}
PORT=${PORT:-4300}
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}

[ -f "$JAR" ] || { echo "no jar at $JAR (./mvnw -DskipTests package)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
WORK=$(mktemp -d)
NODE_PID= ATTACK_PID=
cleanup() {
  [ -n "$ATTACK_PID" ] && kill "$ATTACK_PID" 2>/dev/null
  [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck disable=SC2086
PORT=$PORT HOST=127.0.0.1 DATA_DIR="$WORK/data" NODE_ID=slowloris JWT_SECRET=slowloris-bench-secret-of-at-least-32-bytes \
  java $JAVA_OPTS -jar "$JAR" >"$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$WORK/node.log" >&2; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null || { echo "node not ready" >&2; exit 1; }

attacker() { [ -s "$WORK/attack.out" ] && tail -n 1 "$WORK/attack.out" | sed 's/[{}"]//g' || echo "-"; }
sample() {
  local connections rss heap
  connections=$(ss -tnH state established "( sport = :$PORT )" | wc -l || true)
  rss=$(awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$NODE_PID/status")
  # Scraped from another loopback address: the attacker's may be at its connection cap, which is the point.
  heap=$(curl -s --interface 127.0.0.2 "http://127.0.0.1:$PORT/metrics" \
    | awk '/^jvm_memory_used_bytes\{area="heap"/ {s += $NF} END {printf "%d", s / 1048576}' || true)
  printf '%-22s connections %5s   RSS %5s MB   heap %4s MB   attacker: %s\n' "$1" "$connections" "$rss" "$heap" "$(attacker)"
}

echo "jar=$JAR connections=$CONNECTIONS lineEveryMs=$LINE_EVERY_MS attackSeconds=$ATTACK_SECONDS reconnect=$RECONNECT"
sleep 5
sample "before"
args=(127.0.0.1 "$PORT" "$CONNECTIONS" "$LINE_EVERY_MS" "$ATTACK_SECONDS")
[ "$RECONNECT" = 1 ] && args+=(--reconnect)
node bench/slowloris.js "${args[@]}" >"$WORK/attack.out" &
ATTACK_PID=$!
for at in 5 15 30 $((ATTACK_SECONDS - 2)); do
  [ "$at" -ge "$ATTACK_SECONDS" ] && continue
  sleep $((at - ${last:-0}))
  last=$at
  sample "during, ${at} s"
done
wait "$ATTACK_PID" || true
ATTACK_PID=
sleep 5
sample "after (attacker gone)"
# A full GC, so that what stays is what is held, not garbage the attack left: a leak would show here.
jcmd "$NODE_PID" GC.run >/dev/null 2>&1 || true
sleep 2
sample "after, full GC"
open=$(curl -s --interface 127.0.0.2 "http://127.0.0.1:$PORT/metrics" | awk '/^relay_http_connections / {print $2}' || true)
echo "the node's own count of open connections (relay_http_connections, this scrape's included): ${open:-not reported by this jar}"
