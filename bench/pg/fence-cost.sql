-- What the log appends' fence costs PostgreSQL, variant by variant: the group commit's flush statement as it is
-- (the device rows bumped under their row locks), the rows locked FOR SHARE instead, the rows only read behind
-- a shared advisory lock per device (the fence of 493d260, reverted), the same with the key columns in the "C"
-- collation, no fence at all, the messages upsert alone, the upsert replaced by a look-up of each row followed by
-- a plain INSERT or UPDATE (split: with the device rows bumped; splitlock: locked FOR SHARE instead), and the
-- floor: the least any design could write for a
-- message (one append-only row of text keyed by device and number, "C" collation, one index; no upsert, no
-- thread index, no JSON check). Run against a relay's database (its tables are copied, with their indexes, into
-- a schema of its own, fence_cost, dropped and made again by each run of this file; its \ir reads
-- v12-messages.sql and cost-harness.sql beside it):
--
--   psql -h 127.0.0.1 -p <port> -U postgres -d relay -f bench/pg/fence-cost.sql
--   for v in none full lock adv adv-c nofence msgonly split splitlock floor; do
--     psql ... -c "TRUNCATE fence_cost.xm, fence_cost.xmc, fence_cost.xe, fence_cost.xec, fence_cost.xf" \
--              -c "SET synchronous_commit = off" -c "CALL fence_cost.run('$v', 1000, 30)"
--   done
--
-- Each call runs `iters` flushes of `n` events of about as many devices (of 100), a commit each, and raises a
-- NOTICE with the wall time and the backend's CPU time (user + system, from /proc/self/stat: Linux, superuser)
-- per event; "none" only builds the arrays, the part of each figure that is the harness's own. With
-- synchronous_commit on, each commit's WAL flush is in the backend's CPU time too (when the server runs with
-- fsync on, as the relay's embedded one does). The figures are in BENCHMARKS.md, rounds of 2026-12-05 and 2026-12-06.

DROP SCHEMA IF EXISTS fence_cost CASCADE;
CREATE SCHEMA fence_cost;
SET search_path = fence_cost, public;
\ir v12-messages.sql
\ir cost-harness.sql
CREATE TABLE xmc (LIKE xm INCLUDING ALL);
ALTER TABLE xmc ALTER COLUMN device_id TYPE text COLLATE "C", ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN conversation_id TYPE text COLLATE "C", ALTER COLUMN phone_number TYPE text COLLATE "C";
CREATE TABLE xec (LIKE public.device_events INCLUDING ALL);
ALTER TABLE xec ALTER COLUMN device_id TYPE text COLLATE "C";
CREATE TABLE xdc (LIKE public.devices INCLUDING ALL);
ALTER TABLE xdc ALTER COLUMN device_id TYPE text COLLATE "C";
CREATE TABLE xf (device_id text COLLATE "C", seq bigint, doc text, PRIMARY KEY (device_id, seq));
INSERT INTO xdc (device_id) SELECT 'device-' || md5(g::text) FROM generate_series(0, 99) g;
CREATE PROCEDURE fence_cost.run(variant text, iters int, n int) LANGUAGE plpgsql AS $f$
DECLARE t0 timestamptz := clock_timestamp(); c0 bigint := fence_cost.cpu_ticks(); i int; ids text[]; devs text[]; docs text[]; seqs bigint[]; eps bigint[]; base int := 0;
  sfx text := CASE WHEN variant LIKE '%-c' THEN 'c' ELSE '' END; kind text := split_part(variant, '-', 1); sql text;
  -- the parts every variant shares: the messages upsert (up to its SET list), the events, the log insert (up to its join)
  ups text := format($q$INSERT INTO fence_cost.xm%1$s (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
        SELECT u.d, u.id, u.c, '+15550100', 1733230000000, 'inbox', NULL, false, u.doc::json, now() FROM UNNEST($1, $2, $3, $6) AS u(d, id, doc, c)
        ON CONFLICT (device_id, id) DO UPDATE SET $q$, sfx);
  -- the events of a flush, as the statement unnests them
  events text := 'ev AS (SELECT * FROM UNNEST($1, $3, $4, $5) AS e(device_id, payload, seq, epoch)), ';
  head text := 'WITH upserted AS (' || ups || format($q$conversation_id = EXCLUDED.conversation_id, phone_number = EXCLUDED.phone_number,
          ts = EXCLUDED.ts, type = EXCLUDED.type, status = COALESCE(EXCLUDED.status, xm%1$s.status), read = EXCLUDED.read, doc = EXCLUDED.doc,
          updated_at = now() RETURNING 1), $q$, sfx) || events;
  logged text := format($q$logged AS (INSERT INTO fence_cost.xe%1$s (device_id, seq, event, payload)
        SELECT e.device_id, e.seq, 'mobile:messages', e.payload::json FROM ev e $q$, sfx);
  -- the fences the variants choose between, each answering as "bumped" the (device, epoch) pairs the log may take
  bump text := format($q$tops AS (SELECT device_id, epoch, max(seq) top FROM ev GROUP BY device_id, epoch),
      bumped AS (UPDATE fence_cost.xd%1$s d SET last_seq = GREATEST(d.last_seq, t.top) FROM tops t
                 WHERE d.device_id = t.device_id AND d.seq_epoch = t.epoch RETURNING d.device_id, d.seq_epoch), $q$, sfx);
  locked text := format($q$tops AS (SELECT DISTINCT device_id, epoch FROM ev),
      bumped AS (SELECT d.device_id, d.seq_epoch FROM fence_cost.xd%1$s d JOIN tops t ON d.device_id = t.device_id AND d.seq_epoch = t.epoch
                 FOR SHARE OF d), $q$, sfx);
  fenced text := logged || 'JOIN bumped b ON b.device_id = e.device_id AND b.seq_epoch = e.epoch RETURNING 1) SELECT count(*) FROM bumped';
  -- no upsert: each row looked up once, then a plain INSERT or UPDATE (every row the loop below makes is new, so
  -- only the INSERT runs: what an upsert of a new row is set against)
  split text := format($q$WITH u AS (SELECT * FROM UNNEST($1, $2, $3, $6) AS u(d, id, doc, c)),
      cls AS (SELECT u.*, m.id IS NOT NULL AS present FROM u LEFT JOIN fence_cost.xm%1$s m ON m.device_id = u.d AND m.id = u.id),
      inserted AS (INSERT INTO fence_cost.xm%1$s (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
        SELECT d, id, c, '+15550100', 1733230000000, 'inbox', NULL, false, doc::json, now() FROM cls WHERE NOT present RETURNING 1),
      updated AS (UPDATE fence_cost.xm%1$s m SET conversation_id = c.c, doc = c.doc::json, updated_at = now()
        FROM cls c WHERE c.present AND m.device_id = c.d AND m.id = c.id RETURNING 1), $q$, sfx) || events;
BEGIN
  IF kind = 'full' THEN -- as the relay's flush statement: the device rows bumped under their row locks
    sql := head || bump || fenced;
  ELSIF kind = 'lock' THEN -- the device rows locked, not updated
    sql := head || locked || fenced;
  ELSIF kind = 'split' THEN
    sql := split || bump || fenced;
  ELSIF kind = 'splitlock' THEN
    sql := split || locked || fenced;
  ELSIF kind = 'adv' THEN -- the device rows only read; the loop below takes a shared advisory lock per device first
    sql := head || logged || format($q$WHERE EXISTS (SELECT 1 FROM fence_cost.xd%1$s d WHERE d.device_id = e.device_id AND d.seq_epoch = e.epoch)
      RETURNING 1) SELECT count(*) FROM logged$q$, sfx);
  ELSIF kind = 'nofence' THEN
    sql := head || logged || 'RETURNING 1) SELECT count(*) FROM logged';
  ELSIF kind = 'floor' THEN
    sql := 'WITH logged AS (INSERT INTO fence_cost.xf SELECT d, seq, doc FROM UNNEST($1, $4, $3) AS u(d, seq, doc) RETURNING 1) SELECT count(*) FROM logged';
  ELSIF kind = 'msgonly' THEN
    sql := 'WITH upserted AS (' || ups || 'doc = EXCLUDED.doc RETURNING 1) SELECT count(*) FROM upserted';
  ELSE
    sql := 'SELECT 1 WHERE $1 IS NOT NULL OR $2 IS NOT NULL OR $3 IS NOT NULL OR $4 IS NOT NULL OR $5 IS NOT NULL OR $6 IS NOT NULL';
  END IF;
  FOR i IN 1..iters LOOP
    SELECT array_agg('device-' || md5(((i * n + g) % 100)::text)), array_agg(md5(variant || '-' || i || '-' || g)),
           array_agg('{"id":"' || variant || i || g || '","conversationId":"c' || g || '","phoneNumber":"+15550100","body":"' || repeat('x', 60) || '","timestamp":1733230000000,"type":"inbox","read":false}'),
           array_agg((i * n + g)::bigint), array_agg(0::bigint), array_agg('thread-' || (g % 7))
      INTO devs, ids, docs, seqs, eps FROM generate_series(1, n) g;
    IF kind = 'adv' THEN PERFORM pg_advisory_xact_lock_shared(hashtext(d)) FROM (SELECT DISTINCT d FROM unnest(devs) d) x; END IF;
    EXECUTE sql INTO base USING devs, ids, docs, seqs, eps, ARRAY(SELECT 'thread-' || (g % 7) FROM generate_series(1, n) g);
    COMMIT;
  END LOOP;
  RAISE NOTICE '% n=% % us/msg wall, % us/msg CPU', variant, n, round((extract(epoch FROM clock_timestamp() - t0) * 1e6 / (iters * n))::numeric, 2),
    round(((fence_cost.cpu_ticks() - c0) * 1e6 / 100 / (iters * n))::numeric, 2); -- 100 ticks a second (USER_HZ)
END $f$;
