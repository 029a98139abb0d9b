-- What storing a phone's message costs PostgreSQL, by the shape of the flush statement: as it was before V13 (the
-- messages upserted by id, the event's payload appended to device_events, the device rows bumped), the same with
-- text columns instead of json (no second JSON check), the upsert carrying the event's number and no log row
-- ("once"), and V13's: each message a row appended under its event's number and place, which is the log's entry
-- ("append": the primary key and the thread index; "append2": the primary key and the index of a message's rows by
-- id; "append3": all three, as V13 builds them; "appendnum": the same three led by a device's number, an int, instead
-- of its id's text). Every variant fences by the device rows' bump. Run against a relay's database (its tables are copied,
-- with their indexes, into a schema of its own, append_cost, dropped and made again by each run of this file; its
-- \ir reads v12-messages.sql and cost-harness.sql beside it):
--
--   psql -h 127.0.0.1 -p <port> -U postgres -d relay -f bench/pg/append-cost.sql
--   for r in 1 2 3 4 5; do for v in none full text once append append2 append3 appendnum; do
--     psql ... -c "TRUNCATE append_cost.xm, append_cost.xe, append_cost.xo, append_cost.xt, append_cost.xet, append_cost.xa, append_cost.xa2, append_cost.xa3, append_cost.xn" \
--              -c "SET synchronous_commit = off" -c "CALL append_cost.run('$v', 2000, 30)"
--   done; done
--
-- Each call runs `iters` flushes of `n` events of about as many devices (of 100), one message an event, a commit
-- each, and raises a NOTICE with the wall time and the backend's CPU time (user + system, from /proc/self/stat:
-- Linux, superuser) per event; "none" only builds the arrays, the harness's own share. The figures are in
-- BENCHMARKS.md, round of 2026-12-06 (eleventh session).

DROP SCHEMA IF EXISTS append_cost CASCADE;
CREATE SCHEMA append_cost;
SET search_path = append_cost, public;
\ir v12-messages.sql
\ir cost-harness.sql
CREATE TABLE xo (LIKE xm INCLUDING ALL);
ALTER TABLE xo ADD COLUMN seq bigint, ADD COLUMN pos int;
CREATE INDEX ON xo (device_id, seq);
CREATE TABLE xt (LIKE xm INCLUDING ALL);
ALTER TABLE xt ALTER COLUMN doc TYPE text;
CREATE TABLE xet (LIKE public.device_events INCLUDING ALL);
ALTER TABLE xet ALTER COLUMN payload TYPE text;
CREATE TABLE xa (device_id text COLLATE "C" NOT NULL, seq bigint NOT NULL, pos int NOT NULL, id text COLLATE "C" NOT NULL, conversation_id text COLLATE "C", phone_number text COLLATE "C",
  ts bigint, type text, status text, read boolean, doc json NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (device_id, seq, pos));
CREATE TABLE xa3 (LIKE xa INCLUDING ALL);
CREATE INDEX ON xa3 (device_id, id, seq, pos);
CREATE INDEX ON xa3 (device_id, (COALESCE(conversation_id, phone_number)), ts DESC NULLS LAST, id DESC);
CREATE INDEX ON xa (device_id, (COALESCE(conversation_id, phone_number)), ts DESC NULLS LAST, id DESC);
CREATE TABLE xa2 (LIKE xa INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (device_id, seq, pos));
CREATE INDEX ON xa2 (device_id, id, seq, pos);
-- V13's three indexes led by a device's number (an int the device row would carry) instead of its id's text.
ALTER TABLE xd ADD COLUMN num int;
UPDATE xd SET num = r.n FROM (SELECT device_id, row_number() OVER (ORDER BY device_id)::int AS n FROM xd) r WHERE xd.device_id = r.device_id;
CREATE TABLE xn (dev int NOT NULL, seq bigint NOT NULL, pos int NOT NULL, id text COLLATE "C" NOT NULL, conversation_id text COLLATE "C",
  phone_number text COLLATE "C", ts bigint, type text, status text, read boolean, doc json NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dev, seq, pos));
CREATE INDEX ON xn (dev, id, seq, pos);
CREATE INDEX ON xn (dev, (COALESCE(conversation_id, phone_number)), ts DESC NULLS LAST, id DESC);
CREATE PROCEDURE append_cost.run(variant text, iters int, n int) LANGUAGE plpgsql AS $f$
DECLARE t0 timestamptz := clock_timestamp(); c0 bigint := append_cost.cpu_ticks(); i int; ids text[]; devs text[]; docs text[]; pays text[]; seqs bigint[]; eps bigint[]; base int := 0; sql text;
BEGIN
  IF variant = 'full' OR variant = 'text' THEN
    sql := format($q$WITH upserted AS (INSERT INTO append_cost.%1$s (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
        SELECT u.d, u.id, u.c, '+15550100', 1733230000000, 'inbox', NULL, false, u.doc%3$s, now() FROM UNNEST($1, $2, $3, $7) AS u(d, id, doc, c)
        ON CONFLICT (device_id, id) DO UPDATE SET conversation_id = EXCLUDED.conversation_id, phone_number = EXCLUDED.phone_number,
          ts = EXCLUDED.ts, type = EXCLUDED.type, status = COALESCE(EXCLUDED.status, %1$s.status), read = EXCLUDED.read, doc = EXCLUDED.doc,
          updated_at = now() RETURNING 1),
      ev AS (SELECT * FROM UNNEST($1, $6, $4, $5) AS e(device_id, payload, seq, epoch)),
      tops AS (SELECT device_id, epoch, max(seq) top FROM ev GROUP BY device_id, epoch),
      bumped AS (UPDATE append_cost.xd d SET last_seq = GREATEST(d.last_seq, t.top) FROM tops t
                 WHERE d.device_id = t.device_id AND d.seq_epoch = t.epoch RETURNING d.device_id, d.seq_epoch),
      logged AS (INSERT INTO append_cost.%2$s (device_id, seq, event, payload)
        SELECT e.device_id, e.seq, 'mobile:messages', e.payload%3$s FROM ev e JOIN bumped b ON b.device_id = e.device_id AND b.seq_epoch = e.epoch RETURNING 1)
      SELECT count(*) FROM bumped$q$, CASE WHEN variant = 'full' THEN 'xm' ELSE 'xt' END, CASE WHEN variant = 'full' THEN 'xe' ELSE 'xet' END,
      CASE WHEN variant = 'full' THEN '::json' ELSE '' END);
  ELSIF variant = 'once' THEN
    sql := $q$WITH ev AS (SELECT * FROM UNNEST($1, $4, $5) AS e(device_id, seq, epoch)),
      tops AS (SELECT device_id, epoch, max(seq) top FROM ev GROUP BY device_id, epoch),
      bumped AS (UPDATE append_cost.xd d SET last_seq = GREATEST(d.last_seq, t.top) FROM tops t
                 WHERE d.device_id = t.device_id AND d.seq_epoch = t.epoch RETURNING d.device_id, d.seq_epoch),
      upserted AS (INSERT INTO append_cost.xo (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at, seq, pos)
        SELECT u.d, u.id, u.c, '+15550100', 1733230000000, 'inbox', NULL, false, u.doc::json, now(), u.seq, 0
        FROM UNNEST($1, $2, $3, $7, $4, $5) AS u(d, id, doc, c, seq, epoch) JOIN bumped b ON b.device_id = u.d AND b.seq_epoch = u.epoch
        ON CONFLICT (device_id, id) DO UPDATE SET conversation_id = EXCLUDED.conversation_id, phone_number = EXCLUDED.phone_number,
          ts = EXCLUDED.ts, type = EXCLUDED.type, status = COALESCE(EXCLUDED.status, xo.status), read = EXCLUDED.read, doc = EXCLUDED.doc,
          updated_at = now(), seq = EXCLUDED.seq, pos = EXCLUDED.pos RETURNING 1)
      SELECT count(*) FROM upserted$q$;
  ELSIF variant = 'appendnum' THEN
    sql := $q$WITH ev AS (SELECT * FROM UNNEST($1, $4, $5) AS e(device_id, seq, epoch)),
      tops AS (SELECT device_id, epoch, max(seq) top FROM ev GROUP BY device_id, epoch),
      bumped AS (UPDATE append_cost.xd d SET last_seq = GREATEST(d.last_seq, t.top) FROM tops t
                 WHERE d.device_id = t.device_id AND d.seq_epoch = t.epoch RETURNING d.device_id, d.seq_epoch, d.num),
      ins AS (INSERT INTO append_cost.xn (dev, seq, pos, id, conversation_id, phone_number, ts, type, status, read, doc)
        SELECT b.num, u.seq, 0, u.id, u.c, '+15550100', 1733230000000, 'inbox', NULL, false, u.doc::json
        FROM UNNEST($1, $2, $3, $7, $4, $5) AS u(d, id, doc, c, seq, epoch) JOIN bumped b ON b.device_id = u.d AND b.seq_epoch = u.epoch RETURNING 1)
      SELECT count(*) FROM ins$q$;
  ELSIF variant = 'append' OR variant = 'append2' OR variant = 'append3' THEN
    sql := $q$WITH ev AS (SELECT * FROM UNNEST($1, $4, $5) AS e(device_id, seq, epoch)),
      tops AS (SELECT device_id, epoch, max(seq) top FROM ev GROUP BY device_id, epoch),
      bumped AS (UPDATE append_cost.xd d SET last_seq = GREATEST(d.last_seq, t.top) FROM tops t
                 WHERE d.device_id = t.device_id AND d.seq_epoch = t.epoch RETURNING d.device_id, d.seq_epoch),
      ins AS (INSERT INTO append_cost.%s (device_id, seq, pos, id, conversation_id, phone_number, ts, type, status, read, doc)
        SELECT u.d, u.seq, 0, u.id, u.c, '+15550100', 1733230000000, 'inbox', NULL, false, u.doc::json
        FROM UNNEST($1, $2, $3, $7, $4, $5) AS u(d, id, doc, c, seq, epoch) JOIN bumped b ON b.device_id = u.d AND b.seq_epoch = u.epoch RETURNING 1)
      SELECT count(*) FROM ins$q$;
    sql := format(sql, CASE variant WHEN 'append' THEN 'xa' WHEN 'append2' THEN 'xa2' ELSE 'xa3' END);
  ELSE
    sql := 'SELECT 1 WHERE $1 IS NOT NULL OR $2 IS NOT NULL OR $3 IS NOT NULL OR $4 IS NOT NULL OR $5 IS NOT NULL OR $6 IS NOT NULL OR $7 IS NOT NULL';
  END IF;
  FOR i IN 1..iters LOOP
    SELECT array_agg('device-' || md5(((i * n + g) % 100)::text)), array_agg(md5(variant || '-' || i || '-' || g)),
           array_agg('{"id":"' || variant || i || g || '","conversationId":"c' || g || '","phoneNumber":"+15550100","body":"' || repeat('x', 60) || '","timestamp":1733230000000,"type":"inbox","read":false}'),
           array_agg((i * n + g)::bigint), array_agg(0::bigint),
           array_agg('{"messages":[{"id":"' || variant || i || g || '","conversationId":"c' || g || '","phoneNumber":"+15550100","body":"' || repeat('x', 60) || '","timestamp":1733230000000,"type":"inbox","read":false}]}')
      INTO devs, ids, docs, seqs, eps, pays FROM generate_series(1, n) g;
    EXECUTE sql INTO base USING devs, ids, docs, seqs, eps, pays, ARRAY(SELECT 'thread-' || (g % 7) FROM generate_series(1, n) g);
    COMMIT;
  END LOOP;
  RAISE NOTICE '% n=% % us/msg wall, % us/msg CPU', variant, n, round((extract(epoch FROM clock_timestamp() - t0) * 1e6 / (iters * n))::numeric, 2),
    round(((append_cost.cpu_ticks() - c0) * 1e6 / 100 / (iters * n))::numeric, 2);
END $f$;
