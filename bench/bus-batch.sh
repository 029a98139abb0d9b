#!/usr/bin/env bash
# What the clustered event bus costs a message that crosses nodes, sent one bus message each or several to a bus
# message: two fresh JVMs a measurement (bench/BusBatch.java, the relay's own Vert.x and Hazelcast), the sender at
# RATE messages of SIZE bytes a second in ticks of TICK ms, each process's CPU (user + system, /proc) over MEASURE s
# after WARM s. Each run first measures the same pair idle (RATE 0: the sender's timer and Hazelcast alone) and
# reports every batch size's CPU above that, per message, both ends together. Build first (target/relay.jar).
#
#   RUNS=3 BATCHES="1 2 5" bench/bus-batch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-5000} SIZE=${SIZE:-300} RUNS=${RUNS:-3} WARM=${WARM:-20} MEASURE=${MEASURE:-20} TICK=${TICK:-1}
BATCHES=${BATCHES:-"1 2 5"}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Prints "sender_ms_per_s receiver_ms_per_s received_per_s" for one fresh pair.
pair() { # rate batch
  java -cp target/relay.jar bench/BusBatch.java recv 5801 0 "$SIZE" 1 1 >"$WORK/recv.log" 2>&1 &
  local r=$!
  for _ in $(seq 1 120); do grep -q ready "$WORK/recv.log" && break; sleep 0.5; done
  java -cp target/relay.jar bench/BusBatch.java send 5802 "$1" "$SIZE" "$2" "$TICK" >"$WORK/send.log" 2>&1 &
  local s=$!
  sleep "$WARM"
  local r0 s0 c0 r1 s1 c1
  r0=$(ticks $r); s0=$(ticks $s); c0=$(grep received "$WORK/recv.log" | tail -1 | awk '{print $2}')
  sleep "$MEASURE"
  r1=$(ticks $r); s1=$(ticks $s); c1=$(grep received "$WORK/recv.log" | tail -1 | awk '{print $2}')
  kill $s $r; wait $s $r 2>/dev/null || true
  python3 -c "t=$(getconf CLK_TCK); print(($s1-$s0)*1000/t/$MEASURE, ($r1-$r0)*1000/t/$MEASURE, ($c1-$c0)/$MEASURE)"
}

echo "# $RATE msg/s of $SIZE B across two clustered Vert.x nodes, ticks of $TICK ms, $MEASURE s after $WARM s"
for run in $(seq 1 "$RUNS"); do
  read -r si ri _ <<<"$(pair 0 1)"
  printf 'run %d idle pair: sender %.0f ms/s, receiver %.0f ms/s\n' "$run" "$si" "$ri"
  for batch in $BATCHES; do
    read -r s r got <<<"$(pair "$RATE" "$batch")"
    python3 -c "
s, r, si, ri = $s, $r, $si, $ri
print(f'run $run, $batch a bus message: sender {s:.0f} ms/s, receiver {r:.0f}; above idle {1000 * (s - si + r - ri) / $RATE:.1f} us a message (sender {1000 * (s - si) / $RATE:.1f}, receiver {1000 * (r - ri) / $RATE:.1f}); received about {$got:.0f}/s')"
  done
done
