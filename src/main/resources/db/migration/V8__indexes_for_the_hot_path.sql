-- Indexes that the relay's hottest statements can use, and none that they cannot.

-- messages_device_ts_idx (V1) has served no query since threads are loaded by thread (V6): every message
-- write still paid for it, one more index entry per message on the relay's hottest table.
DROP INDEX IF EXISTS messages_device_ts_idx;

-- outbox_open_idx covered pending and delivered commands together, and a phone that does not confirm (the
-- original app) leaves its commands delivered for good: every hand-over read walked all of them, and the
-- planner preferred it to the primary key for claiming one command by key, walking them again for each.
-- Pending commands get an index of their own, and a claim or confirm by key uses the primary key. (Delivered
-- commands are read only when a phone that confirms registers: over the primary key's range of the phone,
-- which retention below keeps to a week of its commands.)
DROP INDEX IF EXISTS outbox_open_idx;
CREATE INDEX outbox_pending_idx ON outbox (device_id, created_at) WHERE state = 'pending';

-- Settled commands (delivered, done, expired) are kept for a while, so that a browser's retried send is
-- still recognised by its key, and then deleted oldest first: the outbox no longer grows for ever.
CREATE INDEX outbox_settled_age_idx ON outbox (created_at) WHERE state <> 'pending';
