-- The relay's first schema. Derived from the seed's Prisma models (Device, Session) plus the
-- pairing, message and conversation tables the seed left optional.
--
-- Message and conversation documents are `json`, not `jsonb`: browsers must get back exactly what
-- the phone sent (key order, integers as integers); jsonb would reorder keys and normalise numbers.
-- The scalar columns next to `doc` exist for ordering, filtering and status updates.

CREATE TABLE devices (
    device_id    text        PRIMARY KEY,
    device_name  text,
    device_model text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now()
);

-- A browser's session. The session id is the JWT's subject; revoking sets revoked_at.
CREATE TABLE sessions (
    id         uuid        PRIMARY KEY,
    device_id  text        NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX sessions_device_id_idx ON sessions (device_id);

-- One QR pairing. `token` is what the waiting browser holds; the QR carries a secret whose hash is
-- stored here, so a database leak does not let anyone redeem. Redeemed at most once, atomically.
CREATE TABLE pairing_tokens (
    token       uuid        PRIMARY KEY,
    secret_hash bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    redeemed_at timestamptz,
    device_id   text,
    session_id  uuid
);

CREATE TABLE conversations (
    device_id         text        NOT NULL,
    id                text        NOT NULL,
    phone_number      text,
    contact_name      text,
    last_message_time bigint,
    unread_count      integer,
    doc               json        NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, id)
);
CREATE INDEX conversations_device_time_idx ON conversations (device_id, last_message_time DESC NULLS LAST);

CREATE TABLE messages (
    device_id       text        NOT NULL,
    id              text        NOT NULL,
    conversation_id text,
    phone_number    text,
    ts              bigint,
    type            text,
    -- Overrides the document's "status" when loading: status updates arrive without the document.
    status          text,
    read            boolean,
    doc             json        NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, id)
);
CREATE INDEX messages_device_ts_idx ON messages (device_id, ts DESC NULLS LAST);
