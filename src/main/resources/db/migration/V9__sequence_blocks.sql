-- Relay first, write behind: the node holding a phone's socket numbers the phone's events itself, from a
-- block of numbers it reserved in the device row beforehand (seq_reserved), and relays each event before
-- it is stored. seq_epoch fences a node whose phone moved on: taking the sequence over bumps it, and an
-- event is logged only while its epoch is the device's, so a number is never stored twice and a node that
-- lost the phone cannot log behind the new holder's back. Numbers reserved and never stored (a node that
-- died, an event whose write failed) are skipped: each logged event names the number before it (prev_seq),
-- so a reader can tell a skipped range from a missing event.
ALTER TABLE devices ADD COLUMN seq_reserved bigint NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN seq_epoch bigint NOT NULL DEFAULT 0;
UPDATE devices SET seq_reserved = last_seq;

-- NULL for events logged before this version, whose sequence had no gaps: the number before is seq - 1.
ALTER TABLE device_events ADD COLUMN prev_seq bigint;
