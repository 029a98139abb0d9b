-- messages_device_ts_idx (V1) has served no query since threads are loaded by thread (V6): every message
-- write still paid for it, one more index entry per message on the relay's hottest table.
DROP INDEX IF EXISTS messages_device_ts_idx;
