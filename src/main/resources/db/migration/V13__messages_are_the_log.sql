-- A phone's messages are stored once: each event that carries messages appends them as rows of their own, under the
-- event's number (seq) and their place in its array (pos), and that is the event's entry in the log too. Until now a
-- message was written twice, upserted into this table by id and, inside its event's payload, into device_events;
-- the upsert's conflict check and the second row were a third of PostgreSQL's CPU for a message (BENCHMARKS.md,
-- round of 2026-12-06, eleventh session).
--
-- So a message id may now have several rows, one per event that carried it (a chat opened twice sends its thread
-- twice): the one with the highest (seq, pos) is the message as it stands, and a status reported for an id is
-- recorded on all of them. Pruning the log compacts the versions it passes (MessageWrites). An event is rebuilt
-- from its rows ({"messages":[...]}, the documents as the phone wrote them); one whose payload is not exactly that
-- (other members, whitespace, no messages) keeps its payload in device_events as before.
--
-- Rows stored before this migration belong to no event that the log still replays from here (their events keep
-- their payloads in device_events): seq 0, and pos numbers them per device. This rewrites the table and rebuilds
-- its indexes under a lock that holds its writes meanwhile.
ALTER TABLE messages ADD COLUMN seq bigint NOT NULL DEFAULT 0, ADD COLUMN pos integer;
UPDATE messages m SET pos = r.pos
FROM (SELECT device_id, id, (row_number() OVER (PARTITION BY device_id ORDER BY id) - 1)::integer AS pos FROM messages) r
WHERE m.device_id = r.device_id AND m.id = r.id;
ALTER TABLE messages ALTER COLUMN pos SET NOT NULL, ALTER COLUMN seq DROP DEFAULT;
ALTER TABLE messages DROP CONSTRAINT messages_pkey;
ALTER TABLE messages ADD PRIMARY KEY (device_id, seq, pos);
-- A message's rows, newest last: its status, and the question "is there a newer one?", each one step into it.
CREATE INDEX messages_device_id_idx ON messages (device_id, id, seq, pos);
