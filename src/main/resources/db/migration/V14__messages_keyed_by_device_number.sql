-- A phone's message rows are found by a number the device row gives its device, not by the device's id. Every stored
-- message writes three index entries (the log's order, its rows by id, its thread), and each began with the phone's
-- deviceId: an opaque text, 36 bytes for the UUID an app typically uses, compared byte by byte at every step of every
-- descent and copied into every entry and its WAL record. A bigint compares in one instruction and takes 8 bytes.
-- What it saves, in PostgreSQL alone and in the relay: BENCHMARKS.md, round of 2026-12-06 (sixteenth session).
--
-- The flush that appends the rows already updates the device row (its last number, under the fence): it takes the
-- number from there, so nothing is read for it. Reads look the number up once by the device row's primary key.
-- device_id stays on each row, unindexed, so that a row still says whose it is.
--
-- A message row with no device row was never readable (a browser's session needs the device row) and would become a
-- new phone's if that id registered again: such rows, which the relay does not write, are dropped. This rewrites
-- the table and rebuilds its indexes under a lock that holds its writes meanwhile.
ALTER TABLE devices ADD COLUMN device_no bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE devices ADD CONSTRAINT devices_device_no_key UNIQUE (device_no);
DELETE FROM messages m WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.device_id = m.device_id);
ALTER TABLE messages ADD COLUMN device_no bigint;
UPDATE messages m SET device_no = d.device_no FROM devices d WHERE d.device_id = m.device_id;
ALTER TABLE messages ALTER COLUMN device_no SET NOT NULL;
ALTER TABLE messages DROP CONSTRAINT messages_pkey;
DROP INDEX messages_device_id_idx;
DROP INDEX messages_device_thread_ts_idx;
ALTER TABLE messages ADD PRIMARY KEY (device_no, seq, pos);
-- A message's rows by its id, newest last (its status; "is there a newer one?"); and a thread's, newest first.
CREATE INDEX messages_device_id_idx ON messages (device_no, id, seq, pos);
CREATE INDEX messages_device_thread_ts_idx ON messages (device_no, (COALESCE(conversation_id, phone_number)), ts DESC NULLS LAST, id DESC);
