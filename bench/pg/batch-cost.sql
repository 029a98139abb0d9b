-- What PostgreSQL spends per message on the relay's hot-path writes, part by part, and how that falls
-- with the number of messages per flush. Run against a relay's database (its tables are copied, with their
-- indexes, into a schema of its own, batch_cost, dropped and made again by each run of this file):
--
--   psql -h 127.0.0.1 -p <port> -U postgres -d relay -f bench/pg/batch-cost.sql
--   psql ... -c "TRUNCATE batch_cost.xm, batch_cost.xe, batch_cost.xmt, batch_cost.xet" \
--            -c "SET synchronous_commit = off" -c "CALL batch_cost.run('full', 3000, 16)"
--
-- (the embedded PostgreSQL's port is in the node's log: "Embedded PostgreSQL started ... port N"). Each
-- call runs `iters` flushes of `n` messages of `n` different devices, one commit each, and raises a NOTICE
-- with the wall time per message. Variants: none (the loop alone), full (the group commit's statement:
-- messages upserted, the device rows bumped, the events logged, as StoreSql.UPSERT_MESSAGES_AND_LOG),
-- msg-upsert, msg-insert, msg-upsert-text (doc as text, not json), log, log-text, bump. synchronous_commit
-- off keeps the disk's flush out of the figure: what is left is CPU. BENCHMARKS.md, round of 2026-12-03
-- (night), has the figures.

DROP SCHEMA IF EXISTS batch_cost CASCADE;
CREATE SCHEMA batch_cost;
SET search_path = batch_cost, public;
\ir v12-messages.sql
CREATE TABLE xmt (LIKE xm INCLUDING ALL); ALTER TABLE xmt ALTER COLUMN doc TYPE text;
CREATE TABLE xe (LIKE device_events INCLUDING ALL);
CREATE TABLE xet (LIKE device_events INCLUDING ALL); ALTER TABLE xet ALTER COLUMN payload TYPE text;
CREATE TABLE xd (LIKE devices INCLUDING ALL);
INSERT INTO xd (device_id) SELECT 'dev-' || g FROM generate_series(0, 99) g;
CREATE PROCEDURE batch_cost.run(variant text, iters int, n int) LANGUAGE plpgsql AS $f$
DECLARE t0 timestamptz := clock_timestamp(); i int; ids text[]; devs text[]; docs text[]; seqs bigint[]; base int := 0;
BEGIN
  FOR i IN 1..iters LOOP
    SELECT array_agg('dev-' || ((i * n + g) % 100)), array_agg(variant || '-' || i || '-' || g),
           array_agg('{"id":"' || variant || i || g || '","conversationId":"c' || g || '","phoneNumber":"+15550100","body":"' || repeat('x', 60) || '","timestamp":1733230000000,"type":"inbox","read":false}'),
           array_agg((i * n + g)::bigint)
      INTO devs, ids, docs, seqs FROM generate_series(1, n) g;
    IF variant = 'full' THEN
      WITH upserted AS (INSERT INTO batch_cost.xm (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
        SELECT u.d, u.id, 'c', '+1555', 1733230000000, 'inbox', NULL, false, u.doc::json, now() FROM UNNEST(devs, ids, docs) AS u(d, id, doc)
        ON CONFLICT (device_id, id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now() RETURNING 1),
      ev AS (SELECT * FROM UNNEST(devs, docs, seqs) AS e(device_id, payload, seq)),
      tops AS (SELECT device_id, max(seq) top FROM ev GROUP BY device_id),
      bumped AS (UPDATE batch_cost.xd d SET last_seq = GREATEST(d.last_seq, t.top) FROM tops t WHERE d.device_id = t.device_id RETURNING d.device_id),
      logged AS (INSERT INTO batch_cost.xe (device_id, seq, event, payload) SELECT e.device_id, e.seq, 'mobile:messages', e.payload::json FROM ev e JOIN bumped b USING (device_id) RETURNING 1)
      SELECT count(*) INTO base FROM bumped;
    ELSIF variant = 'msg-upsert' THEN
      INSERT INTO batch_cost.xm (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
        SELECT u.d, u.id, 'c', '+1555', 1733230000000, 'inbox', NULL, false, u.doc::json, now() FROM UNNEST(devs, ids, docs) AS u(d, id, doc)
        ON CONFLICT (device_id, id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now();
    ELSIF variant = 'msg-insert' THEN
      INSERT INTO batch_cost.xm (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
        SELECT u.d, u.id, 'c', '+1555', 1733230000000, 'inbox', NULL, false, u.doc::json, now() FROM UNNEST(devs, ids, docs) AS u(d, id, doc);
    ELSIF variant = 'msg-upsert-text' THEN
      INSERT INTO batch_cost.xmt (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
        SELECT u.d, u.id, 'c', '+1555', 1733230000000, 'inbox', NULL, false, u.doc, now() FROM UNNEST(devs, ids, docs) AS u(d, id, doc)
        ON CONFLICT (device_id, id) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now();
    ELSIF variant = 'log' THEN
      INSERT INTO batch_cost.xe (device_id, seq, event, payload) SELECT e.d, e.seq, 'mobile:messages', e.payload::json FROM UNNEST(devs, docs, seqs) AS e(d, payload, seq);
    ELSIF variant = 'log-text' THEN
      INSERT INTO batch_cost.xet (device_id, seq, event, payload) SELECT e.d, e.seq, 'mobile:messages', e.payload FROM UNNEST(devs, docs, seqs) AS e(d, payload, seq);
    ELSIF variant = 'bump' THEN
      UPDATE batch_cost.xd d SET last_seq = GREATEST(d.last_seq, t.top) FROM (SELECT d2, max(s) top FROM UNNEST(devs, seqs) u(d2, s) GROUP BY d2) t WHERE d.device_id = t.d2;
    ELSIF variant = 'none' THEN
      NULL;
    END IF;
    COMMIT;
  END LOOP;
  RAISE NOTICE '% % us/msg', variant, round((extract(epoch FROM clock_timestamp() - t0) * 1e6 / (iters * n))::numeric, 2);
END $f$;
