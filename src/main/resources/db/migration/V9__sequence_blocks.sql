-- Relay first, write behind: the node holding a phone's socket numbers the phone's events itself, from a
-- block of numbers it reserved in the device row beforehand (seq_reserved), and relays each event before
-- it is stored. seq_epoch fences a node whose phone moved on: taking the sequence over bumps it, and an
-- event is logged only while its epoch is the device's, so a number is never stored twice and a node that
-- lost the phone cannot log behind the new holder's back. Numbers reserved and never stored (a node that
-- died, an event whose write failed) are skipped: the log has holes, and only pruning removes events from
-- it, always the oldest, so a reader knows nothing after a number was lost while the log still holds an
-- event at or before it, or while that number is at or past log_pruned_to.
ALTER TABLE devices ADD COLUMN seq_reserved bigint NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN seq_epoch bigint NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN log_pruned_to bigint NOT NULL DEFAULT 0;
UPDATE devices d SET seq_reserved = d.last_seq,
    log_pruned_to = COALESCE((SELECT min(e.seq) - 1 FROM device_events e WHERE e.device_id = d.device_id), d.last_seq);
