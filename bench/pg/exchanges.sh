#!/usr/bin/env bash
# What one exchange with PostgreSQL costs this machine's CPU, both ends together: pgbench (one client, prepared
# statements) runs N transactions of each shape, and the CPU of pgbench and of its backend is read from /proc
# (the backend's from the postmaster's reaped children once pgbench has gone). Shapes:
#   one        SELECT 1                                   one exchange
#   four       BEGIN; SELECT 1; SELECT 1; COMMIT          four exchanges, one after another
#   pipelined  the same four behind one Sync              one exchange
# The group commit's flush of two kinds was four exchanges, sent at once (BEGIN, a statement each, COMMIT, each
# with its Sync): between "four" and "pipelined". Run on the database's machine, with nothing else busy:
#
#   bench/pg/exchanges.sh DATA_DIR [N (20000)] [ROUNDS (2)]     # DATA_DIR: the server's, with postmaster.pid
#
# PGHOST, PGPORT, PGUSER and PGDATABASE say where to connect, as for psql (a relay's embedded server: its port is
# in the relay's log; user postgres, database relay). The figures are in BENCHMARKS.md, twenty-third session.
set -euo pipefail
data=${1:?usage: bench/pg/exchanges.sh DATA_DIR [N] [ROUNDS]}
n=${2:-20000}
rounds=${3:-2}
postmaster=$(head -1 "$data/postmaster.pid")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'SELECT 1;\n' > "$work/one.sql"
printf 'BEGIN;\nSELECT 1;\nSELECT 1;\nCOMMIT;\n' > "$work/four.sql"
printf '\\startpipeline\nBEGIN;\nSELECT 1;\nSELECT 1;\nCOMMIT;\n\\endpipeline\n' > "$work/pipelined.sql"
# utime + stime of the postmaster and of its reaped children, in clock ticks
server_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"; }
hz=$(getconf CLK_TCK)
for round in $(seq 1 "$rounds"); do
  for shape in one four pipelined; do
    before=$(server_ticks)
    TIMEFORMAT='%U %S'
    { time pgbench -n -M prepared -c 1 -t "$n" -f "$work/$shape.sql" >"$work/out" 2>&1; } 2>"$work/time"
    sleep 1.5 # until the postmaster has reaped the backend
    after=$(server_ticks)
    read -r user system <"$work/time"
    awk -v r="$round" -v s="$shape" -v server=$((after - before)) -v hz="$hz" -v u="$user" -v sy="$system" -v n="$n" 'BEGIN {
      b = server / hz * 1e6 / n; c = (u + sy) * 1e6 / n
      printf "round %d %-9s backend %6.1f us, pgbench %6.1f us, both %6.1f us a transaction\n", r, s, b, c, b + c }'
  done
done
