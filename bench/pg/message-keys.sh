#!/usr/bin/env bash
# What keying a phone's message rows by its device's number instead of its id saves PostgreSQL (V14), in PostgreSQL
# alone, on tables that grow as a serving node's do. Two copies of the messages table with the relay's three indexes
# (the log's order, a message's rows by id, the thread index): "text" led by the device's id (a UUID's 36 characters,
# collation "C", as V12-V13 left it), "number" led by a bigint (V14, the id kept on the row, unindexed). Each
# transaction appends 100 rows, one to each of 100 devices, with the relay's columns and a 240-byte JSON document,
# through pgbench's prepared statements (the relay's flush is one such statement). The variants alternate in random
# order, ROUNDS rounds of TX transactions each; each run reads its backend's CPU time (user + system, from /proc: the
# server must run on this machine, as this script's user or root) and the WAL it wrote. Prints a line a run and the
# medians. Against a scratch server (it creates and drops the schema message_keys):
#
#   PGHOST=127.0.0.1 PGPORT=55432 PGUSER=postgres ROUNDS=8 TX=1000 bench/pg/message-keys.sh
#
# For figures without checkpoints in them, start the server with checkpoint_timeout=1h and max_wal_size=50GB (a
# checkpoint makes the next write of every page log the whole page, which moves the figures by half).
set -euo pipefail
ROUNDS=${ROUNDS:-8}
TX=${TX:-1000}
DB=${PGDATABASE:-postgres}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
psql_() { psql -qtAX -d "$DB" "$@"; }

psql_ <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS message_keys CASCADE;
CREATE SCHEMA message_keys;
SET search_path = message_keys;
CREATE SEQUENCE seqs;
CREATE TABLE text_key (device_id text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
  conversation_id text COLLATE "C", phone_number text COLLATE "C", ts bigint, type text, status text, read boolean,
  doc json NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), seq bigint NOT NULL, pos integer NOT NULL,
  PRIMARY KEY (device_id, seq, pos));
CREATE INDEX ON text_key (device_id, id, seq, pos);
CREATE INDEX ON text_key (device_id, (COALESCE(conversation_id, phone_number)), ts DESC NULLS LAST, id DESC);
CREATE TABLE number_key (device_no bigint NOT NULL, device_id text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
  conversation_id text COLLATE "C", phone_number text COLLATE "C", ts bigint, type text, status text, read boolean,
  doc json NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), seq bigint NOT NULL, pos integer NOT NULL,
  PRIMARY KEY (device_no, seq, pos));
CREATE INDEX ON number_key (device_no, id, seq, pos);
CREATE INDEX ON number_key (device_no, (COALESCE(conversation_id, phone_number)), ts DESC NULLS LAST, id DESC);
SQL

# One statement a transaction: the same 100 devices' ids, numbers, threads and document for both variants, the next
# number of the log for all of them.
python3 - "$WORK" <<'PY'
import json, random, sys, uuid
random.seed(1)
devices = [str(uuid.UUID(int=random.getrandbits(128), version=4)) for _ in range(100)]
threads = [str(random.randint(1, 10)) for _ in range(100)]
doc = json.dumps({"id": "X", "conversationId": "7", "phoneNumber": "+15551234567",
                  "body": "Hello there, this is a message body of a typical length for an SMS text.",
                  "timestamp": 1733500000041, "type": "inbox", "read": False, "status": "received"})
q = lambda s: "'" + s.replace("'", "''") + "'"
arr = lambda xs, t: "ARRAY[" + ",".join(xs) + "]::" + t
rows = (f"FROM unnest({arr([q(d) for d in devices], 'text[]')}, {arr([str(i + 1) for i in range(100)], 'bigint[]')}, "
        f"{arr([q(t) for t in threads], 'text[]')}, {arr([q(doc)] * 100, 'text[]')}) AS u (device_id, device_no, conv, doc), "
        "(SELECT nextval('message_keys.seqs') v) s;")
cols = "seq, pos, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at"
vals = ("s.v, 0, '1.' || (1733500000000000 + s.v) || '.0', u.conv, '+15551234567', 1733500000000 + s.v, 'inbox', NULL, "
        "false, u.doc::json, now()")
open(f"{sys.argv[1]}/text.sql", "w").write(
    f"INSERT INTO message_keys.text_key (device_id, {cols}) SELECT u.device_id, {vals} {rows}\n")
open(f"{sys.argv[1]}/number.sql", "w").write(
    f"INSERT INTO message_keys.number_key (device_no, device_id, {cols}) SELECT u.device_no, u.device_id, {vals} {rows}\n")
PY

backends() { pgrep -f '^postgres: [^ ]+ [^ ]+ ([[]local[]]|[0-9a-f.:]+[(])' | sort; }

run() { # variant: prints "variant cpu_us_a_row wal_bytes_a_row"
  local v=$1 lsn pid ticks=0 t wal
  lsn=$(psql_ -c "SELECT pg_current_wal_insert_lsn()")
  local before
  before=$(backends)
  pgbench -n -M prepared -c 1 -t "$TX" -f "$WORK/$v.sql" -d "$DB" >"$WORK/pgbench.out" 2>&1 &
  local bench=$! tries=0
  pid=
  # pgbench's session: the one client backend that was not there before it (nothing else connects meanwhile).
  while [ -z "$pid" ] && [ $tries -lt 5000 ] && kill -0 "$bench" 2>/dev/null; do
    pid=$(comm -13 <(echo "$before") <(backends) | head -1); tries=$((tries + 1))
  done
  # The backend's CPU, read until it exits with the run (clock ticks of 10 ms).
  while kill -0 "$bench" 2>/dev/null; do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) && ticks=$t
    sleep 0.1
  done
  wait "$bench"
  if [ -z "$pid" ] || [ "$ticks" = 0 ]; then echo "$v n/a n/a (its backend was not found)"; return; fi
  wal=$(psql_ -c "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$lsn')")
  echo "$v $(awk -v t="$ticks" -v n="$TX" 'BEGIN { printf "%.2f", t * 10000 / (n * 100) }') $(awk -v w="$wal" -v n="$TX" 'BEGIN { printf "%d", w / (n * 100) }')"
}

psql_ -c "CHECKPOINT"
for r in $(seq 1 "$ROUNDS"); do
  for v in $(printf 'text\nnumber\n' | shuf); do
    echo "round $r $(run "$v")"
  done
done | tee "$WORK/runs.txt"
echo "medians (µs of the backend's CPU a row, bytes of WAL a row):"
median() { sort -n | awk '{ x[NR] = $1 } END { print x[int((NR + 1) / 2)] }'; }
for v in text number; do
  echo "$v $(awk -v v="$v" '$3 == v && $4 != "n/a" { print $4 }' "$WORK/runs.txt" | median) $(awk -v v="$v" '$3 == v && $5 != "n/a" { print $5 }' "$WORK/runs.txt" | median)"
done
