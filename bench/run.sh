#!/usr/bin/env bash
# Side-by-side benchmarks of the relay against its two baselines, with identical load from the same tool:
#   relay      the relay node (embedded PostgreSQL, every message stored), java -jar target/relay.jar
#   forwarder  a raw Vert.x WebSocket forwarder with the same framing, java -jar target/relay-bench.jar forwarder
#   node       the seed's stack, Node 20 + socket.io 4.8 with in-memory maps, bench/peers/server.js
# Each run starts the server fresh, drives it, and stops it; runs are interleaved, each starting one system further
# along (relay, forwarder, node; forwarder, node, relay; ...), so that a noisy neighbour, or whatever the server before
# left behind, falls on every system alike. Then it prints medians and ratios.
#
#   bench/run.sh [throughput|pairing|memory|cluster|cost]     (default throughput)
#
# Environment: RUNS (3), SYSTEMS ("relay forwarder node"), OUT (bench/results), PAIRS, RATES, DURATION,
# WARMUP, SIZE, IDLE (memory: a list of connection counts), SOURCES (local addresses for --source-addresses),
# PORT_BASE (3000: relay on it, forwarder +100, node +200, baseline +300), JAR (target/relay.jar: the relay),
# BENCH_JAR (target/relay-bench.jar: the load tool and the forwarder), RELAY_JAVA_OPTS (the relay's JVM options; by
# default the heap the image gives a node in a k8s/ pod of 1 GiB, as the Dockerfile's JDK_JAVA_OPTIONS say: G1, up to
# 75 % of it, half of it from the start and never given back; RELAY_JAVA_OPTS= runs the JVM's defaults for this machine;
# the default is bench/relay-jvm.sh's, as every script here that starts a node has it).
# To judge a change, add the system "baseline": the relay built from another commit, BASELINE_JAR=path/to/relay.jar;
# to judge JVM options, the same jar with BASELINE_JAVA_OPTS (default: RELAY_JAVA_OPTS); to judge a setting, the
# same jar with BASELINE_ENV, assignments the baseline alone gets (BASELINE_ENV="STORE_WRITE_BEHIND_MICROS=50000").
# TOOL_JAVA_OPTS: the load tool's JVM options; none, except in the pairing scenario (PAIRING_TOOL_JAVA_OPTS, default
# -XX:TieredStopAtLevel=1 -Xms2g -Xmn1g): there a fresh tool JVM drives 200 pairings a second for a few seconds, and with
# its optimising compiler it spent about 13 s of CPU compiling itself during that round on two cores (-XX:+CITime), more
# than the server it measures; with the first tier alone, 1.3 s, and the load it sends is the same. Its young
# generation, left to G1, was collected every 1-5 s of a round in pauses of 10-37 ms that grew with the connections it
# held, and every server's slowest pairings lined up with them; with a fixed 1 GiB one it does not collect during a
# round. PAIRING_WARMUP (default
# 200, a second of the schedule): pairings at the start of the measured round that pair but are not timed. The fresh
# tool runs its own pairing code cold for about its first tenth of a second (its first generate-qr took 29-56 ms against
# any server) and the pairings scheduled meanwhile then go together; the 20 slowest pairings of 2,000 (their p99) were
# mostly that burst, for every server (--pairing-stages showed it; each run's stages are kept beside its summary).
# MEMORY_JAVA_OPTS (default -XX:+AlwaysPreTouch): what the memory scenario adds to a relay's JVM options. A heap that is
# never given back stays resident once touched, so without it the difference of two RSS readings says how much of the
# heap the warm-up and the connections happened to touch first, not what a connection costs; with the whole heap
# resident from the start (as in a pod that has served a while), RSS per connection is what a connection adds outside
# the heap, and the live heap per connection its part inside. MEMORY_JAVA_OPTS= reads as before (and with
# RELAY_JAVA_OPTS=, the JVM's defaults, whose heap G1 shrinks after a full collection, it should be empty too).
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIO=${1:-throughput}
RUNS=${RUNS:-3}
SYSTEMS=${SYSTEMS:-"relay forwarder node"}
OUT=${OUT:-bench/results}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
PREWARM=${PREWARM:-10}
SIZE=${SIZE:-100}
SLO=${SLO:-10}
JAR=${JAR:-target/relay.jar}
BENCH_JAR=${BENCH_JAR:-target/relay-bench.jar}
. bench/relay-jvm.sh # RELAY_JAVA_OPTS and PAIRING_TOOL_JAVA_OPTS
BASELINE_JAVA_OPTS=${BASELINE_JAVA_OPTS-$RELAY_JAVA_OPTS}
BASELINE_ENV=${BASELINE_ENV-}
TOOL_JAVA_OPTS=${TOOL_JAVA_OPTS-}

{ [ -f "$JAR" ] && [ -f "$BENCH_JAR" ]; } || ./mvnw -q -B -DskipTests package
[ -d bench/peers/node_modules ] || bench/peers/install.sh
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# PORT_BASE moves the single-node scenarios' ports, so two runs on one machine do not collide.
PORT_BASE=${PORT_BASE:-3000}
port_of() { case $1 in relay) echo "$PORT_BASE" ;; forwarder) echo $((PORT_BASE + 100)) ;; node) echo $((PORT_BASE + 200)) ;;
  baseline) echo $((PORT_BASE + 300)) ;; esac; }
mode_of() { [ "$1" = forwarder ] && echo forwarder || echo socketio; }

# The relay's abuse limits lifted: one address sends the whole load.
. bench/load-limits.sh

start_server() {
  local system=$1 port
  port=$(port_of "$system")
  case $system in
    relay) SERVER_DATA="$WORK/relay-data-$RANDOM"
      PORT=$port DATA_DIR="$SERVER_DATA" java $RELAY_JAVA_OPTS -jar "$JAR" >"$WORK/$system.log" 2>&1 & ;;
    baseline) SERVER_DATA="$WORK/baseline-data-$RANDOM"
      env $BASELINE_ENV PORT=$port DATA_DIR="$SERVER_DATA" java $BASELINE_JAVA_OPTS -jar "${BASELINE_JAR:?set BASELINE_JAR}" >"$WORK/$system.log" 2>&1 & ;;
    forwarder) java -jar "$BENCH_JAR" forwarder --port "$port" >"$WORK/$system.log" 2>&1 & ;;
    node) PORT=$port node bench/peers/server.js >"$WORK/$system.log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  # up to 3 minutes: a relay warms up (at most WARMUP_SECONDS, 60) before it listens, as after a deploy
  for _ in $(seq 1 360); do
    if [ "$system" = forwarder ]; then grep -q listening "$WORK/$system.log" && return 0
    else curl -sf "http://127.0.0.1:$port/api/auth/health" >/dev/null && return 0; fi
    sleep 0.5
  done
  echo "$system did not start:" >&2; cat "$WORK/$system.log" >&2; exit 1
}

# The server's process and, for a relay, its embedded PostgreSQL's postmaster (backends are its children).
server_pids() {
  local pids=$SERVER_PID postmaster
  if [ -n "${SERVER_DATA:-}" ]; then
    postmaster=$(pgrep -o -f -- "-D $SERVER_DATA/pg" || true)
    [ -n "$postmaster" ] && pids="$pids,$postmaster"
  fi
  echo "$pids"
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  SERVER_DATA=
}

bench() { # system label extra-args...
  local system=$1 label=$2; shift 2
  java $TOOL_JAVA_OPTS -jar "$BENCH_JAR" --url "127.0.0.1:$(port_of "$system")" --mode "$(mode_of "$system")" --label "$label" \
    --duration "$DURATION" --warmup "$WARMUP" --prewarm "$PREWARM" --message-size "$SIZE" --slo-p99-ms "$SLO" --quiet \
    ${SOURCES:+--source-addresses "$SOURCES"} --out "$OUT/$SCENARIO" "$@" | grep -v '^\[' || true
}

# The systems in the order of run $1: each run starts one place further along, so none is always first. Two calls of the
# pairing scenario with two relay builds, each first in every pair in one call, read the first worse in 8 pairs of 10.
order_of_run() { local systems=($SYSTEMS); local k=$(( ($1 - 1) % ${#systems[@]} )); echo "${systems[@]:k}" "${systems[@]:0:k}"; }

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# column of a label's summary: best step within the SLO (throughput), else the first step
best_rate() { awk -F'\t' -v slo="$SLO" 'NR>1 && $6<=slo && $12==0 && $3>best {best=$3} END {print best+0}' "$1"; }
# the same, counting only steps whose every lower step also held the SLO: a step that passes after one that missed is luck
sustained_rate() { awk -F'\t' -v slo="$SLO" 'NR>1 { if ($6<=slo && $12==0 && held) best=$3; else held=0 } NR==1 {held=1} END {print best+0}' "$1"; }
# saturation: the highest achieved rate whose median stays within the SLO with no loss (robust to pauses)
saturation_rate() { awk -F'\t' -v slo="$SLO" 'NR>1 && $4<=slo && $12==0 && $3>=0.97*$2 && $3>best {best=$3} END {print best+0}' "$1"; }
column_of() { awk -F'\t' -v c="$2" 'NR==2 {print $c}' "$1"; }

mkdir -p "$OUT/$SCENARIO"
echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MiB; $(java -version 2>&1 | head -1); node $(node -v)"
echo "relay JVM options: ${RELAY_JAVA_OPTS:-(none)}; baseline: ${BASELINE_JAVA_OPTS:-(none)}"
case $SCENARIO in
  throughput)
    PAIRS=${PAIRS:-100}
    RATES=${RATES:-500,1000,1500,2000,3000,4000,5000,6000,8000,10000,12000,16000,20000}
    for run in $(seq 1 "$RUNS"); do
      for system in $(order_of_run "$run"); do
        echo "== run $run: $system"
        start_server "$system"
        bench "$system" "$system-run$run" --pairs "$PAIRS" --rate "$RATES"
        stop_server
      done
    done
    echo
    echo "max phone→browser msg/s with p99 ≤ $SLO ms, no loss (median of $RUNS runs; each run's value in brackets)"
    for system in $SYSTEMS; do
      values=$(for run in $(seq 1 "$RUNS"); do best_rate "$OUT/$SCENARIO/$system-run$run-summary.tsv"; done)
      printf '%-10s %10s   [%s]\n' "$system" "$(echo "$values" | median)" "$(echo $values)"
      eval "MEDIAN_$system=$(echo "$values" | median)"
    done
    echo "the same, every lower step within it too (median of $RUNS runs)"
    for system in $SYSTEMS; do
      values=$(for run in $(seq 1 "$RUNS"); do sustained_rate "$OUT/$SCENARIO/$system-run$run-summary.tsv"; done)
      printf '%-10s %10s   [%s]\n' "$system" "$(echo "$values" | median)" "$(echo $values)"
    done
    echo "saturation: max phone→browser msg/s with p50 ≤ $SLO ms, no loss (median of $RUNS runs)"
    for system in $SYSTEMS; do
      values=$(for run in $(seq 1 "$RUNS"); do saturation_rate "$OUT/$SCENARIO/$system-run$run-summary.tsv"; done)
      printf '%-10s %10s   [%s]\n' "$system" "$(echo "$values" | median)" "$(echo $values)"
      eval "SAT_$system=$(echo "$values" | median)"
    done
    if [ -n "${MEDIAN_relay:-}" ] && [ -n "${MEDIAN_node:-}" ] && [ -n "${MEDIAN_forwarder:-}" ]; then
      awk -v r="$MEDIAN_relay" -v n="$MEDIAN_node" -v f="$MEDIAN_forwarder" \
          -v sr="$SAT_relay" -v sn="$SAT_node" -v sf="$SAT_forwarder" 'BEGIN {
        printf "at p99 ≤ SLO:  relay / node = %.2f (issue 16: ≥ 1.0)   relay / forwarder = %.2f\n", (n > 0 ? r / n : 0), (f > 0 ? r / f : 0);
        printf "saturation:    relay / node = %.2f                relay / forwarder = %.2f\n", (sn > 0 ? sr / sn : 0), (sf > 0 ? sr / sf : 0) }'
    fi
    if [ -n "${MEDIAN_relay:-}" ] && [ -n "${MEDIAN_baseline:-}" ]; then
      awk -v r="$MEDIAN_relay" -v b="$MEDIAN_baseline" -v sr="$SAT_relay" -v sb="$SAT_baseline" 'BEGIN {
        printf "relay / baseline: %.2f at p99 ≤ SLO, %.2f at saturation\n", (b > 0 ? r / b : 0), (sb > 0 ? sr / sb : 0) }'
    fi
    ;;
  pairing)
    PAIRS=${PAIRS:-2000}
    PAIRING_WARMUP=${PAIRING_WARMUP:-200}
    TOOL_JAVA_OPTS=$PAIRING_TOOL_JAVA_OPTS
    for run in $(seq 1 "$RUNS"); do
      for system in $(order_of_run "$run"); do
        [ "$system" = forwarder ] && continue
        echo "== run $run: $system"
        start_server "$system"
        # a first, unmeasured round warms a freshly started JVM, as a serving node would be
        bench "$system" "$system-warm$run" --pairs 1000 --pairing-rate 200 --rate 200 --duration 1 --warmup 0 --prewarm 0 \
          --out "$WORK/warm" >/dev/null
        # the first PAIRING_WARMUP pairings of the schedule are not timed: the fresh tool runs its own code cold
        bench "$system" "$system-run$run" --pairs $((PAIRS + PAIRING_WARMUP)) --pairing-warmup "$PAIRING_WARMUP" \
          --pairing-stages "$OUT/$SCENARIO/$system-run$run-stages.tsv" --pairing-rate 200 --rate 200 --duration 2 --warmup 1 --prewarm 0
        stop_server
      done
    done
    echo
    echo "pairing latency at 200 pairings/s, $PAIRS pairings after $PAIRING_WARMUP untimed (median of $RUNS runs of p50 / p99, ms)"
    for system in $SYSTEMS; do
      [ "$system" = forwarder ] && continue
      p50=$(for run in $(seq 1 "$RUNS"); do column_of "$OUT/$SCENARIO/$system-run$run-summary.tsv" 13; done | median)
      p99s=$(for run in $(seq 1 "$RUNS"); do column_of "$OUT/$SCENARIO/$system-run$run-summary.tsv" 14; done)
      printf '%-10s p50 %8s   p99 %8s   [p99s: %s]\n' "$system" "$p50" "$(echo "$p99s" | median)" "$(echo $p99s)"
    done
    ;;
  memory)
    IDLE=${IDLE:-"1000 10000"}
    MEMORY_JAVA_OPTS=${MEMORY_JAVA_OPTS--XX:+AlwaysPreTouch}
    RELAY_JAVA_OPTS="$RELAY_JAVA_OPTS $MEMORY_JAVA_OPTS" BASELINE_JAVA_OPTS="$BASELINE_JAVA_OPTS $MEMORY_JAVA_OPTS"
    echo "a relay's JVM options here add: ${MEMORY_JAVA_OPTS:-(nothing)} (MEMORY_JAVA_OPTS)"
    for n in $IDLE; do
      for run in $(seq 1 "$RUNS"); do
        for system in $(order_of_run "$run"); do
          echo "== $n idle connections, run $run: $system"
          start_server "$system"
          bench "$system" "$system-idle$n-run$run" --pairs 10 --idle "$n" --rate 100 --duration 2 --warmup 1 --prewarm 0 \
            --heap-pid "$SERVER_PID"
          stop_server
        done
      done
    done
    echo
    echo "server memory per idle connection (median of $RUNS runs; live heap after full GC via jcmd, and RSS; a relay's"
    echo "heap resident from its start with MEMORY_JAVA_OPTS' default, so its RSS is what a connection adds beside its heap)"
    for n in $IDLE; do
      for system in $SYSTEMS; do
        heap=$(for run in $(seq 1 "$RUNS"); do column_of "$OUT/$SCENARIO/$system-idle$n-run$run-summary.tsv" 15; done | median)
        rss=$(for run in $(seq 1 "$RUNS"); do column_of "$OUT/$SCENARIO/$system-idle$n-run$run-summary.tsv" 16; done | median)
        printf '%7d connections  %-10s heap %8s B/conn   RSS %8s B/conn\n' "$n" "$system" "$heap" "$rss"
      done
    done
    ;;
  cluster)
    # Three clustered relay nodes on loopback (ports 3000-3002) sharing the first node's embedded
    # PostgreSQL; pair i's phone is on node i mod 3 and its browser on node i+1 mod 3, so every
    # message crosses the event bus between two nodes.
    PAIRS=${PAIRS:-300}
    RATES=${RATES:-1000,2000,3000,4000,6000,8000,10000,15000,20000}
    for run in $(seq 1 "$RUNS"); do
      echo "== run $run: 3 clustered relay nodes"
      PIDS=()
      export JWT_SECRET=bench-cluster-secret-bench-cluster-secret CLUSTER=true CLUSTER_MEMBERS=127.0.0.1
      PORT=3000 DATA_DIR="$WORK/cluster-$run" java $RELAY_JAVA_OPTS -jar "$JAR" >"$WORK/node0.log" 2>&1 &
      PIDS+=($!)
      for _ in $(seq 1 120); do grep -q "Storage ready on" "$WORK/node0.log" && break; sleep 0.5; done
      DB=$(sed -n 's/.*Storage ready on \(postgresql:[^ ]*\).*/\1/p' "$WORK/node0.log" | head -1)
      for i in 1 2; do
        PORT=$((3000 + i)) DATA_DIR="$WORK/cluster-$run-$i" DATABASE_URL="$DB" java $RELAY_JAVA_OPTS -jar "$JAR" >"$WORK/node$i.log" 2>&1 &
        PIDS+=($!)
      done
      for port in 3000 3001 3002; do
        for _ in $(seq 1 360); do curl -sf "http://127.0.0.1:$port/api/auth/health" >/dev/null && break; sleep 0.5; done
      done
      sleep 5 # membership settles
      java -jar "$BENCH_JAR" --url 127.0.0.1:3000,127.0.0.1:3001,127.0.0.1:3002 --label "cluster3-run$run" \
        --duration "$DURATION" --warmup "$WARMUP" --prewarm "$PREWARM" --message-size "$SIZE" --slo-p99-ms 15 --quiet \
        --out "$OUT/$SCENARIO" --pairs "$PAIRS" --rate "$RATES" | grep -v '^\[' || true
      kill "${PIDS[@]}" 2>/dev/null || true
      wait "${PIDS[@]}" 2>/dev/null || true
      unset JWT_SECRET CLUSTER CLUSTER_MEMBERS
    done
    echo
    echo "3 nodes, cross-node: max phone→browser msg/s with p99 ≤ 15 ms (median of $RUNS runs)"
    values=$(for run in $(seq 1 "$RUNS"); do SLO=15 best_rate "$OUT/$SCENARIO/cluster3-run$run-summary.tsv"; done)
    echo "cluster3 $(echo "$values" | median)   [$(echo $values)]"
    ;;
  cost)
    # CPU per relayed message at one fixed rate every system sustains: unlike latency at the edge of
    # saturation, this barely moves with a noisy neighbour, so it judges a change well.
    PAIRS=${PAIRS:-100}
    COST_RATE=${COST_RATE:-1500}
    for run in $(seq 1 "$RUNS"); do
      for system in $(order_of_run "$run"); do
        echo "== run $run: $system"
        start_server "$system"
        bench "$system" "$system-run$run" --pairs "$PAIRS" --rate "$COST_RATE" --cpu-pids "$(server_pids)"
        stop_server
      done
    done
    echo
    echo "server CPU ms per relayed message at $COST_RATE msg/s (PostgreSQL included; median of $RUNS runs)"
    for system in $SYSTEMS; do
      values=$(for run in $(seq 1 "$RUNS"); do awk -F'\t' 'NR==2 {print $17}' "$OUT/$SCENARIO/$system-run$run-summary.tsv"; done)
      printf '%-10s %10s   [%s]\n' "$system" "$(echo "$values" | median)" "$(echo $values)"
    done
    ;;
  *) echo "unknown scenario $SCENARIO (throughput, pairing, memory, cluster, cost)" >&2; exit 2 ;;
esac
