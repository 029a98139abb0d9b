#!/usr/bin/env bash
# The long kill test: 100,000 numbered SMS through a 3-node cluster on separate hosts (Linux network
# namespaces: needs root), phones and browsers spread over the nodes by the load balancer, a node
# killed with SIGKILL and started again every 20 s, PostgreSQL restarted once. It is the build's
# ClusterRestartsIT kill test at full length; its figures (recovery per incident, messages re-sent,
# duplicates before de-duplication) are printed at the end and kept in target/cluster-it/restarts-*/.
#
# Usage: scripts/soak.sh [messages] [kill every N seconds]      (defaults: 100000 20)
# Environment: SOAK_PHONES (10), SOAK_RATE (SMS per phone and second, 20), SOAK_CONVERSATIONS (per phone, 16).
set -euo pipefail
cd "$(dirname "$0")/.."

MESSAGES="${1:-100000}"
KILL_EVERY="${2:-20}"
PHONES="${SOAK_PHONES:-10}"
RATE="${SOAK_RATE:-20}"
CONVERSATIONS="${SOAK_CONVERSATIONS:-16}"

if [ ! -f target/relay.jar ] || [ ! -d src/test/node/node_modules ]; then
  ./mvnw -B -q -DskipTests package
fi
./mvnw -B -q test-compile -Dskip.npm=true
exec ./mvnw -B failsafe:integration-test failsafe:verify -Dskip.npm=true \
  -Dit.test='ClusterRestartsIT#killsAndDatabaseRestart' \
  -Drelay.soak.messages="$MESSAGES" -Drelay.soak.killEverySeconds="$KILL_EVERY" \
  -Drelay.soak.phones="$PHONES" -Drelay.soak.rate="$RATE" -Drelay.soak.conversations="$CONVERSATIONS"
