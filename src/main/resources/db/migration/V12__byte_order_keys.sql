-- The relay's keys (device ids, message, conversation and command ids, thread keys) are opaque identifiers: byte
-- order is all their indexes need. Under the database's default collation (a libc locale such as en_US.UTF-8,
-- or even C.UTF-8) every comparison in those indexes goes through strcoll; under "C" it is a memcmp. Every stored
-- message walks three of these indexes (the upsert's conflict check and its two index entries) and its log entry
-- a fourth, so this is CPU on the hottest write (BENCHMARKS.md, round of 2026-12-05, fourth session).
--
-- Equality and uniqueness do not change: both collations are deterministic. Only the order of ties between ids
-- changes (ORDER BY ..., id): it was never meaningful. The table rows are not rewritten (text stays text); the
-- indexes on these columns are rebuilt, under a lock that holds writes to each table while its indexes are built.
ALTER TABLE sessions ALTER COLUMN device_id TYPE text COLLATE "C";
ALTER TABLE devices ALTER COLUMN device_id TYPE text COLLATE "C";
ALTER TABLE messages
    ALTER COLUMN device_id TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN conversation_id TYPE text COLLATE "C",
    ALTER COLUMN phone_number TYPE text COLLATE "C";
ALTER TABLE device_events ALTER COLUMN device_id TYPE text COLLATE "C";
ALTER TABLE conversations
    ALTER COLUMN device_id TYPE text COLLATE "C",
    ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE outbox
    ALTER COLUMN device_id TYPE text COLLATE "C",
    ALTER COLUMN key TYPE text COLLATE "C";
ALTER TABLE pairing_tokens ALTER COLUMN device_id TYPE text COLLATE "C";
