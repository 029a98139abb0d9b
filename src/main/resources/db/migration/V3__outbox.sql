-- Browser -> phone commands (send:message, mark:read) wait here until the phone has them, so a send
-- made while the phone is away is delivered when it comes back instead of being dropped.
--
-- `key` makes a command idempotent: the browser's tempId for a send, the conversation for a mark-read.
-- state: pending (not yet handed to the phone) -> delivered (emitted on the phone's socket) -> done
-- (the phone reported it: message:sent or mobile:message-status for that tempId); or expired, when the
-- phone stayed away longer than the outbox TTL (the browsers are told).
CREATE TABLE outbox (
    device_id    text        NOT NULL,
    key          text        NOT NULL,
    event        text        NOT NULL,
    payload      json        NOT NULL,
    state        text        NOT NULL DEFAULT 'pending',
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    delivered_at timestamptz,
    done_at      timestamptz,
    PRIMARY KEY (device_id, key)
);
CREATE INDEX outbox_open_idx ON outbox (device_id, created_at) WHERE state IN ('pending', 'delivered');
CREATE INDEX outbox_pending_age_idx ON outbox (created_at) WHERE state = 'pending';
