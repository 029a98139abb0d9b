-- What each phone told its browsers, in order: every relayed phone event gets the next number of a
-- per-device, gap-free sequence (devices.last_seq, bumped under the device row's lock in the same
-- statement that appends the event). A browser that was away resumes from the last number it saw.
ALTER TABLE devices ADD COLUMN last_seq bigint NOT NULL DEFAULT 0;

CREATE TABLE device_events (
    device_id  text        NOT NULL,
    seq        bigint      NOT NULL,
    event      text        NOT NULL,
    payload    json        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, seq)
);
