#!/usr/bin/env bash
# Memory per idle connection when the clients offer WebSocket compression as browsers and the official
# socket.io-client do (bench/run.sh memory uses the load tool, whose client never offers it). Starts the
# system fresh, weighs it (live heap via `jcmd PID GC.class_histogram` for a JVM; RSS from /proc), opens N
# idle Engine.IO WebSockets with bench/peers/idle-sockets.js, weighs it again, divides by N.
#
#   bench/idle-browsers.sh relay|node [N (10000)] [JAR (target/relay.jar)]
#
# Environment: PORT (3700), OFFER_DEFLATE (1; 0 to offer no extension), RELAY_JAVA_OPTS (the node's JVM options, see
# bench/relay-jvm.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM=$1
N=${2:-10000}
JAR=${3:-target/relay.jar}
PORT=${PORT:-3700}
[ -d bench/peers/node_modules ] || bench/peers/install.sh
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export PAIRING_RATE_PER_MINUTE=0 MAX_CONNECTIONS_PER_IP=0 IDENTIFY_TIMEOUT_SECONDS=0
. bench/relay-jvm.sh

WORK=$(mktemp -d)
SERVER=
CLIENT=
cleanup() { [ -n "$CLIENT" ] && kill "$CLIENT" 2>/dev/null; [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
case $SYSTEM in
  relay) PORT=$PORT HOST=127.0.0.1 DATA_DIR="$WORK/data" java $RELAY_JAVA_OPTS -jar "$JAR" >"$WORK/server.log" 2>&1 & ;;
  node) PORT=$PORT node bench/peers/server.js >"$WORK/server.log" 2>&1 & ;;
  *) echo "system: relay or node" >&2; exit 2 ;;
esac
SERVER=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/api/auth/health" >/dev/null && break; sleep 0.5; done

heap() { [ "$SYSTEM" = relay ] && jcmd "$SERVER" GC.class_histogram | awk '/^Total/ {print $3}' || echo 0; }
rss() { awk '/VmRSS/ {print $2 * 1024}' "/proc/$SERVER/status"; }
heap0=$(heap); rss0=$(rss)
: >"$WORK/client.log"
node bench/peers/idle-sockets.js "ws://127.0.0.1:$PORT/socket.io/?EIO=4&transport=websocket" "$N" >"$WORK/client.log" 2>&1 &
CLIENT=$!
for _ in $(seq 1 900); do grep -q '^open\|^error' "$WORK/client.log" && break; sleep 1; done
sleep 2
heap1=$(heap); rss1=$(rss)
[ "$SYSTEM" = relay ] && per_heap="$(( (heap1 - heap0) / N )) B" || per_heap="n/a"
echo "$SYSTEM: $(head -1 "$WORK/client.log"); per connection: live heap $per_heap, RSS $(( (rss1 - rss0) / N )) B" \
  "(RSS $(( rss0 / 1048576 )) → $(( rss1 / 1048576 )) MiB)"
