#!/usr/bin/env bash
# Runs a 3-node relay cluster on this machine: one shared PostgreSQL (embedded, or DATABASE_URL if
# set), three nodes on ports 3001-3003 joined over Hazelcast on loopback, and, when nginx is
# installed, a plain round-robin balancer on port 3000 in front of them. Ctrl-C stops everything.
#
#   scripts/cluster-local.sh             # builds target/relay.jar first if it is missing
#
# Environment: LB_PORT (3000), FIRST_PORT (3001), CLUSTER_DATA (./data/cluster), JWT_SECRET
# (generated once and kept in CLUSTER_DATA), DATABASE_URL (else an embedded PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."

LB_PORT=${LB_PORT:-3000}
FIRST_PORT=${FIRST_PORT:-3001}
CLUSTER_DATA=${CLUSTER_DATA:-./data/cluster}
NODES=3
mkdir -p "$CLUSTER_DATA/logs"
CLUSTER_DATA=$(cd "$CLUSTER_DATA" && pwd)
LOGS=$CLUSTER_DATA/logs

if [[ ! -f target/relay.jar ]]; then
  ./mvnw -q -DskipTests package
fi
JAR=$(pwd)/target/relay.jar

# A node is up once its health check answers (or, without curl, once its port takes connections).
healthy() {
  if command -v curl >/dev/null 2>&1; then
    curl -fs "http://127.0.0.1:$1/api/auth/health" >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

pids=()
stop_all() {
  trap - EXIT INT TERM
  echo "stopping ${#pids[@]} processes"
  # Reverse order: balancer, nodes (each drains), database last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
}
trap stop_all EXIT INT TERM

if [[ -z "${DATABASE_URL:-}" ]]; then
  : >"$LOGS/postgres.log" # the URL is read from it: never from an earlier run's copy
  DATA_DIR=$CLUSTER_DATA java -jar "$JAR" embedded-postgres >"$LOGS/postgres.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$LOGS/postgres.log" | head -n 1)
    [[ -n "$DATABASE_URL" ]] && break
    kill -0 "${pids[0]}" 2>/dev/null || { cat "$LOGS/postgres.log"; exit 1; }
    sleep 0.5
  done
  [[ -n "$DATABASE_URL" ]] || { echo "the embedded PostgreSQL did not start; see $LOGS/postgres.log"; exit 1; }
fi
echo "database: $DATABASE_URL"

if [[ -z "${JWT_SECRET:-}" ]]; then
  [[ -f "$CLUSTER_DATA/jwt-secret" ]] || head -c 48 /dev/urandom | base64 | tr -d '\n' >"$CLUSTER_DATA/jwt-secret"
  JWT_SECRET=$(cat "$CLUSTER_DATA/jwt-secret")
fi

# Each run is its own cluster, so a second copy of this script never merges with the first.
CLUSTER_NAME=relay-local-$$
upstreams=""
for i in $(seq 1 $NODES); do
  port=$((FIRST_PORT + i - 1))
  mkdir -p "$CLUSTER_DATA/node$i"
  (cd "$CLUSTER_DATA/node$i" && exec env PORT=$port NODE_ID=n$i DATABASE_URL="$DATABASE_URL" JWT_SECRET="$JWT_SECRET" \
    CLUSTER=true CLUSTER_NAME=$CLUSTER_NAME DATA_DIR="$CLUSTER_DATA/node$i" java -jar "$JAR" >"$LOGS/node$i.log" 2>&1) &
  pids+=($!)
  upstreams+="    server 127.0.0.1:$port;"$'\n'
  # The first node founds the cluster; the others join it. Each warms up before it listens (WARMUP_SECONDS).
  for _ in $(seq 1 360); do
    healthy "$port" && break
    kill -0 "${pids[-1]}" 2>/dev/null || { tail -n 40 "$LOGS/node$i.log"; exit 1; }
    sleep 0.5
  done
  echo "node n$i: http://127.0.0.1:$port  (log $LOGS/node$i.log)"
done

if command -v nginx >/dev/null 2>&1; then
  prefix=$CLUSTER_DATA/nginx
  mkdir -p "$prefix/tmp"
  sed -e "s#@PREFIX@#$prefix#g" -e "s#@LISTEN@#127.0.0.1:$LB_PORT#" scripts/nginx-cluster.conf \
    | awk -v ups="$upstreams" '/^@UPSTREAMS@$/ { printf "%s", ups; next } { print }' >"$prefix/nginx.conf"
  error_log=()
  nginx -h 2>&1 | grep -q -- '-e filename' && error_log=(-e "$prefix/error.log") # nginx 1.19.5+
  nginx -p "$prefix" -c "$prefix/nginx.conf" "${error_log[@]}" -g 'daemon off;' >"$LOGS/nginx.log" 2>&1 &
  pids+=($!)
  sleep 0.5
  kill -0 "${pids[-1]}" 2>/dev/null || { cat "$LOGS/nginx.log"; exit 1; }
  echo "balancer: http://127.0.0.1:$LB_PORT  (round-robin, no sticky sessions; config $prefix/nginx.conf)"
else
  echo "nginx not found: no balancer; talk to the nodes directly (apt-get install nginx-light for one)"
fi

echo "running; Ctrl-C stops the cluster (kill -9 or -TERM a single node to watch the others take over)"
wait || true
