package io.relay.store;

/** Every SQL statement of the persistence verticle. Unqualified names: the pool's search_path picks the schema. */
final class StoreSql {
    private StoreSql() {
    }

    static final String PAIRING_COLUMNS =
            "token::text AS token, created_at, expires_at, redeemed_at, device_id, session_id::text AS session_id, delivered_at";

    static final String CREATE_PAIRING_TOKEN = """
            INSERT INTO pairing_tokens (token, image_id, secret_hash, created_at, expires_at)
            VALUES ($1, $2, $3, now(), $4)""";

    static final String FIND_PAIRING_TOKEN =
            "SELECT " + PAIRING_COLUMNS + " FROM pairing_tokens WHERE token = $1";

    static final String FIND_PAIRING_IMAGE =
            "SELECT " + PAIRING_COLUMNS + " FROM pairing_tokens WHERE image_id = $1";

    // Handed out once: as with redeeming, the row lock of the UPDATE serialises two long-polls of one
    // browser (on one node or two), and only the first finds delivered_at still NULL.
    static final String CLAIM_PAIRING_SESSION = """
            UPDATE pairing_tokens SET delivered_at = now()
            WHERE token = $1 AND redeemed_at IS NOT NULL AND delivered_at IS NULL
            RETURNING\s""" + PAIRING_COLUMNS;

    // Single use without locks: the row lock of the UPDATE serialises concurrent redeems, and the
    // loser re-checks "redeemed_at IS NULL" after the winner commits and matches nothing.
    static final String REDEEM_PAIRING_TOKEN = """
            UPDATE pairing_tokens SET redeemed_at = now(), device_id = $2, session_id = $3
            WHERE secret_hash = $1 AND redeemed_at IS NULL AND expires_at > now()
            RETURNING\s""" + PAIRING_COLUMNS;

    static final String ENSURE_DEVICE = """
            INSERT INTO devices (device_id, created_at, last_seen) VALUES ($1, now(), now())
            ON CONFLICT (device_id) DO NOTHING""";

    static final String INSERT_SESSION = """
            INSERT INTO sessions (id, device_id, created_at, last_seen, expires_at)
            VALUES ($1, $2, now(), now(), $3)""";

    static final String UPSERT_DEVICE = """
            INSERT INTO devices (device_id, device_name, device_model, created_at, last_seen)
            VALUES ($1, $2, $3, now(), now())
            ON CONFLICT (device_id) DO UPDATE SET
              device_name = COALESCE(EXCLUDED.device_name, devices.device_name),
              device_model = COALESCE(EXCLUDED.device_model, devices.device_model),
              last_seen = now()""";

    static final String FIND_DEVICE_CREDENTIAL = """
            SELECT secret_hash, secret_bound_at IS NOT NULL AS bound, legacy_noted_at IS NOT NULL AS legacy_noted
            FROM devices WHERE device_id = $1""";

    // Binding is one-way: once the phone has presented its secret, a register without it is refused.
    static final String BIND_DEVICE_SECRET = """
            UPDATE devices SET secret_bound_at = now() WHERE device_id = $1 AND secret_bound_at IS NULL""";

    // A row back only for the first call per device, on any node: the legacy device is logged once.
    static final String NOTE_LEGACY_DEVICE = """
            UPDATE devices SET legacy_noted_at = now() WHERE device_id = $1 AND legacy_noted_at IS NULL
            RETURNING device_id""";

    // Issued at most once: the row lock of the conflict update serialises two sockets claiming the same
    // fresh deviceId, and only the one that found secret_hash still NULL gets a row back.
    static final String ISSUE_DEVICE_SECRET = """
            INSERT INTO devices (device_id, secret_hash, created_at, last_seen) VALUES ($1, $2, now(), now())
            ON CONFLICT (device_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash
            WHERE devices.secret_hash IS NULL
            RETURNING device_id""";

    // The browsers a phone can still be reached from: neither revoked nor expired, oldest first.
    static final String LIST_SESSIONS = """
            SELECT id::text AS id, created_at, last_seen, expires_at FROM sessions
            WHERE device_id = $1 AND revoked_at IS NULL AND expires_at > now()
            ORDER BY created_at, id""";

    // $2 NULL revokes every live session of the device. Only the device's own sessions match.
    static final String REVOKE_SESSIONS = """
            UPDATE sessions SET revoked_at = now()
            WHERE device_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id = $2::uuid)
            RETURNING id::text AS id""";

    static final String FIND_SESSION = """
            SELECT id::text AS id, device_id, created_at, expires_at, revoked_at
            FROM sessions WHERE id = $1""";

    // One statement per group of batches, of one or many devices (group commit, see MessageWriter).
    // A re-sent message without "status" keeps the status recorded earlier.
    static final String UPSERT_MESSAGES = """
            INSERT INTO messages (device_id, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
            SELECT u.device_id, u.id, u.conversation_id, u.phone_number, u.ts, u.type, u.status, u.read, u.doc::json, now()
            FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::boolean[], $9::text[])
                 AS u (device_id, id, conversation_id, phone_number, ts, type, status, read, doc)
            ON CONFLICT (device_id, id) DO UPDATE SET
              conversation_id = EXCLUDED.conversation_id,
              phone_number = EXCLUDED.phone_number,
              ts = EXCLUDED.ts,
              type = EXCLUDED.type,
              status = COALESCE(EXCLUDED.status, messages.status),
              read = EXCLUDED.read,
              doc = EXCLUDED.doc,
              updated_at = now()""";

    /**
     * A group of message batches and, in the same statement (so one commit and one WAL flush), the
     * events that relay them appended to their devices' logs: $10..$12 are the events in arrival
     * order. Each device's counter is bumped once by its number of events under its row lock; the
     * events then take that range in arrival order, and the answer is each device's new
     * {@code last_seq} with the range's size, from which the caller hands out the numbers. A device
     * without a row is absent from the answer: its events are not logged.
     */
    static final String UPSERT_MESSAGES_AND_LOG = """
            WITH upserted AS (
            """ + UPSERT_MESSAGES + """
             RETURNING 1),
            ev AS (SELECT * FROM UNNEST($10::text[], $11::text[], $12::text[]) WITH ORDINALITY AS e (device_id, event, payload, ord)),
            counts AS (SELECT device_id, count(*) AS n FROM ev GROUP BY device_id),
            bumped AS (UPDATE devices d SET last_seq = d.last_seq + c.n FROM counts c WHERE d.device_id = c.device_id
                       RETURNING d.device_id, d.last_seq, c.n),
            logged AS (INSERT INTO device_events (device_id, seq, event, payload)
                       SELECT e.device_id, b.last_seq - b.n + row_number() OVER (PARTITION BY e.device_id ORDER BY e.ord), e.event, e.payload::json
                       FROM ev e JOIN bumped b ON b.device_id = e.device_id
                       RETURNING 1)
            SELECT device_id, last_seq, n FROM bumped""";

    static final String UPSERT_CONVERSATIONS = """
            INSERT INTO conversations (device_id, id, phone_number, contact_name, last_message_time, unread_count, doc, updated_at)
            SELECT $1, u.id, u.phone_number, u.contact_name, u.last_message_time, u.unread_count, u.doc::json, now()
            FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::text[])
                 AS u (id, phone_number, contact_name, last_message_time, unread_count, doc)
            ON CONFLICT (device_id, id) DO UPDATE SET
              phone_number = EXCLUDED.phone_number,
              contact_name = EXCLUDED.contact_name,
              last_message_time = EXCLUDED.last_message_time,
              unread_count = EXCLUDED.unread_count,
              doc = EXCLUDED.doc,
              updated_at = now()""";

    static final String UPDATE_MESSAGE_STATUS = """
            UPDATE messages SET status = $3, updated_at = now() WHERE device_id = $1 AND id = $2""";

    // doc::text: the stored text as the phone sent it, parsed once in Java (keeps key order and integers).
    static final String LOAD_CONVERSATIONS = """
            SELECT doc::text AS doc FROM conversations WHERE device_id = $1
            ORDER BY last_message_time DESC NULLS LAST, id""";

    // The $2 most recently active threads (a thread is a conversationId, else a phone number, as the web
    // app files them), most recent first, and the latest $3 messages of each, handed back oldest first as
    // the web app shows them. Both steps walk messages_device_thread_ts_idx.
    static final String LOAD_THREADS = """
            WITH threads AS (
              SELECT COALESCE(conversation_id, phone_number) AS thread, max(ts) AS last_ts
              FROM messages WHERE device_id = $1
              GROUP BY 1 ORDER BY last_ts DESC NULLS LAST, thread LIMIT $2)
            SELECT t.thread, m.doc, m.status FROM threads t CROSS JOIN LATERAL (
              SELECT doc::text AS doc, status, ts, id FROM messages
              WHERE device_id = $1 AND COALESCE(conversation_id, phone_number) IS NOT DISTINCT FROM t.thread
              ORDER BY ts DESC NULLS LAST, id DESC LIMIT $3) m
            ORDER BY t.last_ts DESC NULLS LAST, t.thread, m.ts ASC NULLS FIRST, m.id ASC""";

    /** The newest successfully applied migration: answers only when the database does, and shows it is migrated. */
    static final String SCHEMA_VERSION = """
            SELECT version FROM flyway_schema_history
            WHERE success AND version IS NOT NULL
            ORDER BY installed_rank DESC LIMIT 1""";

    static final String ENQUEUE_COMMAND = """
            INSERT INTO outbox (device_id, key, event, payload) VALUES ($1, $2, $3, $4::text::json)
            ON CONFLICT (device_id, key) DO NOTHING
            RETURNING key""";

    // payload::text: handed to the phone exactly as the browser sent it.
    static final String OPEN_COMMANDS = """
            SELECT key, event, payload::text AS payload FROM outbox
            WHERE device_id = $1 AND (state = 'pending' OR ($2 AND state = 'delivered'))
            ORDER BY created_at, key""";

    // Takes a command for handing to the phone: from pending; or, still delivered, by the same hand-over
    // attempt (whose earlier record had an unknown outcome) or for a phone that confirms and wants it again.
    static final String CLAIM_COMMAND = """
            UPDATE outbox SET state = 'delivered', handover = $3, delivered_at = COALESCE(delivered_at, now())
            WHERE device_id = $1 AND key = $2
              AND (state = 'pending' OR (state = 'delivered' AND (handover = $3 OR $4)))
            RETURNING key, event, payload::text AS payload""";

    // The phone reported on it: done, never handed over again (an expired command stays expired).
    static final String CONFIRM_COMMAND = """
            UPDATE outbox SET state = 'done', delivered_at = COALESCE(delivered_at, now()), done_at = now()
            WHERE device_id = $1 AND key = $2 AND state IN ('pending', 'delivered')""";

    // Atomic per row: with several nodes sweeping, each expired command is reported once.
    static final String EXPIRE_COMMANDS = """
            UPDATE outbox SET state = 'expired' WHERE state = 'pending' AND created_at < $1
            RETURNING device_id, key, event""";

    // Gap-free: the sequence moves only when the event row is written, in one statement, under the
    // device row's lock (concurrent appends of one device queue on it).
    static final String APPEND_EVENT = """
            WITH bumped AS (UPDATE devices SET last_seq = last_seq + 1 WHERE device_id = $1 RETURNING last_seq)
            INSERT INTO device_events (device_id, seq, event, payload)
            SELECT $1, last_seq, $2, $3::text::json FROM bumped
            RETURNING seq""";

    static final String EVENTS_SINCE = """
            SELECT seq, event, payload::text AS payload FROM device_events
            WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3""";

    static final String LAST_SEQ = "SELECT last_seq FROM devices WHERE device_id = $1";

    // The log keeps a window per device; a browser further behind gets a full sync instead.
    static final String PRUNE_EVENTS = "DELETE FROM device_events WHERE device_id = $1 AND seq <= $2";
}
