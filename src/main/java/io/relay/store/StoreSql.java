package io.relay.store;

import io.relay.vocabulary.Events;

/**
 * Every SQL statement of the store. Unqualified names: the pool's search_path picks the schema. The writes
 * that go through the {@link GroupCommit} take arrays ({@code UNNEST}): one statement carries the writes of
 * every device in a flush.
 */
final class StoreSql {
    private StoreSql() {
    }

    /**
     * {@code $device} in {@code sql} becomes the number the device row gives the device {@code $1}: message rows are
     * keyed by it (V14). PostgreSQL reads it once a statement, by the device row's primary key, and walks the
     * messages' indexes with it.
     */
    private static String byDeviceNumber(String sql) {
        return sql.replace("$device", "(SELECT device_no FROM devices WHERE device_id = $1)");
    }

    static final String PAIRING_COLUMNS =
            "token::text AS token, created_at, expires_at, redeemed_at, device_id, session_id::text AS session_id, delivered_at";

    /**
     * Makes the commit of the statement's own transaction asynchronous: it answers before its WAL reaches the disk
     * (PostgreSQL takes the setting in force when a transaction commits). Only for a pairing's writes, whose loss in
     * a crash of PostgreSQL or its machine costs a new scan and never lets anyone else in: a QR code (the browser asks
     * for a new one), a redeem (its session's token is then refused by {@code verify} and {@code web:authenticate},
     * which read the row, and the browser shows a new QR) and the mark that a session was handed out (the WAL is
     * written in order, so the mark is never kept without its session). The next durable commit flushes them too.
     * Referenced by the statement, so it runs before the write.
     */
    static final String UNHURRIED = "unhurried AS (SELECT set_config('synchronous_commit', 'off', true))";

    // Answers the row's created_at (the qrData's timestamp, so any node renders the same string) without a read-back.
    static final String CREATE_PAIRING_TOKEN = "WITH " + UNHURRIED + """

            INSERT INTO pairing_tokens (token, image_id, secret_hash, created_at, expires_at)
            SELECT $1::uuid, $2::uuid, $3::bytea, now(), $4::timestamptz FROM unhurried
            RETURNING created_at""";

    static final String FIND_PAIRING_TOKEN =
            "SELECT " + PAIRING_COLUMNS + " FROM pairing_tokens WHERE token = $1";

    static final String FIND_PAIRING_IMAGE =
            "SELECT " + PAIRING_COLUMNS + " FROM pairing_tokens WHERE image_id = $1";

    // Handed out once: as with redeeming, the row lock of the UPDATE serialises two long-polls of one
    // browser (on one node or two), and only the first finds delivered_at still NULL.
    // The session must still be valid (not revoked by the phone, not expired) to be handed out, and the row
    // answers what the browser's token is made of: the wake-up costs this one round trip.
    static final String CLAIM_PAIRING_SESSION = "WITH " + UNHURRIED + """

            UPDATE pairing_tokens p SET delivered_at = now()
            FROM sessions s, unhurried
            WHERE p.token = $1 AND p.redeemed_at IS NOT NULL AND p.delivered_at IS NULL
              AND s.id = p.session_id AND s.device_id = p.device_id AND s.revoked_at IS NULL AND s.expires_at > now()
            RETURNING p.session_id::text AS session_id, p.device_id, s.expires_at""";

    // Single use without locks: the row lock of the UPDATE serialises concurrent redeems, and the
    // loser re-checks "redeemed_at IS NULL" after the winner commits and matches nothing. The device row
    // and the session are inserted by the same statement, only when the UPDATE matched: one round trip,
    // atomic as one statement is. Unhurried (a redeem that matches nothing may never run the setting: it wrote nothing).
    static final String REDEEM_PAIRING_TOKEN = "WITH " + UNHURRIED + """
            ,redeemed AS (
              UPDATE pairing_tokens SET redeemed_at = now(), device_id = $2, session_id = $3
              FROM unhurried
              WHERE secret_hash = $1 AND redeemed_at IS NULL AND expires_at > now()
              RETURNING\s""" + PAIRING_COLUMNS + """
            ),
            device AS (
              INSERT INTO devices (device_id, created_at, last_seen) SELECT $2, now(), now() FROM redeemed
              ON CONFLICT (device_id) DO NOTHING
            ),
            session AS (
              INSERT INTO sessions (id, device_id, created_at, last_seen, expires_at) SELECT $3, $2, now(), now(), $4 FROM redeemed
            )
            SELECT * FROM redeemed""";

    // QRs that expired before $1, earliest expiry first, a bounded number per call, found by V11's index of expiries. Two nodes
    // sweeping at once pick the same rows: the second delete of a row waits for the first and then finds nothing to delete.
    static final String PRUNE_PAIRING_TOKENS = """
            DELETE FROM pairing_tokens WHERE ctid = ANY (ARRAY(
              SELECT ctid FROM pairing_tokens WHERE expires_at < $1 ORDER BY expires_at LIMIT $2))""";

    /** What a register tells of a known device: a name or model given replaces the stored one, and it was seen now. */
    private static final String DEVICE_SEEN = """
              device_name = COALESCE(EXCLUDED.device_name, devices.device_name),
              device_model = COALESCE(EXCLUDED.device_model, devices.device_model),
              last_seen = now()""";

    static final String UPSERT_DEVICE = """
            INSERT INTO devices (device_id, device_name, device_model, created_at, last_seen)
            VALUES ($1, $2, $3, now(), now())
            ON CONFLICT (device_id) DO UPDATE SET
            """ + DEVICE_SEEN;

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

    // Every table that names the device, in one statement (each CTE runs to completion though nothing reads it); the
    // sessions go with the device row (ON DELETE CASCADE). Each delete finds the device's rows by an index (for the
    // pairing tokens, V10's index of redeemed tokens by device).
    static final String FORGET_DEVICE = byDeviceNumber("""
            WITH messages_gone AS (DELETE FROM messages WHERE device_no = $device),
            conversations_gone AS (DELETE FROM conversations WHERE device_id = $1),
            events_gone AS (DELETE FROM device_events WHERE device_id = $1),
            outbox_gone AS (DELETE FROM outbox WHERE device_id = $1),
            pairings_gone AS (DELETE FROM pairing_tokens WHERE device_id = $1)
            DELETE FROM devices WHERE device_id = $1""");

    /** The common table expressions of {@link #APPEND_MESSAGES_AND_LOG}, whose parameters are $1..$17. */
    private static final String APPEND_PARTS = """
            ev AS (SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
                   AS e (device_id, event, payload, epoch, seq)),
            tops AS (SELECT device_id, epoch, max(seq) AS top FROM ev GROUP BY device_id, epoch),
            bumped AS (UPDATE devices d SET last_seq = GREATEST(d.last_seq, t.top) FROM tops t
                       WHERE d.device_id = t.device_id AND d.seq_epoch = t.epoch
                       RETURNING d.device_id, d.seq_epoch, d.device_no),
            appended AS (INSERT INTO messages (device_no, device_id, seq, pos, id, conversation_id, phone_number, ts, type, status, read, doc, updated_at)
                       SELECT b.device_no, u.device_id, u.seq, u.pos, u.id, u.conversation_id, u.phone_number, u.ts, u.type, u.status, u.read, u.doc::json, now()
                       FROM UNNEST($6::text[], $7::bigint[], $8::bigint[], $9::int[], $10::text[], $11::text[], $12::text[], $13::bigint[],
                                   $14::text[], $15::text[], $16::boolean[], $17::text[])
                            AS u (device_id, epoch, seq, pos, id, conversation_id, phone_number, ts, type, status, read, doc)
                       JOIN bumped b ON b.device_id = u.device_id AND b.seq_epoch = u.epoch
                       RETURNING 1),
            logged AS (INSERT INTO device_events (device_id, seq, event, payload)
                       SELECT e.device_id, e.seq, e.event, e.payload::json
                       FROM ev e JOIN bumped b ON b.device_id = e.device_id AND b.seq_epoch = e.epoch
                       WHERE e.payload IS NOT NULL
                       RETURNING 1)""";

    /**
     * A flush's phone events, of one or many devices, in one statement (so one commit and one WAL flush; group
     * commit, see MessageWrites). $1..$5 are the events, each with the number its phone's node gave it and the
     * epoch of the sequence it was numbered from; $6..$17 the messages they carry, each under its event's number and
     * its place in the event's array (V13: the rows are the event's entry in the log). An event is stored only while
     * its epoch is still its device's (a node whose phone moved on to another connection is fenced off: the new
     * holder already reserved past its numbers), and then its payload goes to device_events unless it is null (the
     * event is exactly its message rows, rebuilt from them when read). The device's {@code last_seq} (the highest
     * number stored) moves up under its row lock, and that row gives the device's number its message rows are keyed by
     * (V14), so nothing is read for it. The answer names the (device, epoch) pairs stored: an event of
     * any other was not (fenced, or the device has no row), nor were its messages.
     */
    static final String APPEND_MESSAGES_AND_LOG = "WITH " + APPEND_PARTS + "\nSELECT device_id, seq_epoch FROM bumped";

    /**
     * The row in hand ({@code m}) is its message as it stands: no later row of its id replaced it (V13). One step into
     * messages_device_id_idx, from its end, per row; written as a scalar subquery so that PostgreSQL runs it per row
     * rather than joining the device's every message.
     */
    private static final String NEWEST = """
            (m.seq, m.pos) = (SELECT n.seq, n.pos FROM messages n WHERE n.device_no = m.device_no AND n.id = m.id
                              ORDER BY n.seq DESC, n.pos DESC LIMIT 1)""";

    /**
     * A node takes a phone's sequence over as the phone registers: a new epoch (fencing whoever numbered before) and a
     * block of $4 numbers past everything reserved or stored, in the same statement as the device row's upsert (one
     * round trip and one commit, under the row's one lock). A new row starts where a take-over of the columns'
     * defaults leaves it: epoch 1, nothing stored, the block 1..$4. Answers the epoch, the highest number stored (the
     * last event a reader can find: the first number of the block follows it) and the block's end.
     */
    static final String TAKE_OVER_SEQ = """
            INSERT INTO devices (device_id, device_name, device_model, created_at, last_seen, seq_epoch, seq_reserved)
            VALUES ($1, $2, $3, now(), now(), 1, $4)
            ON CONFLICT (device_id) DO UPDATE SET
              seq_epoch = devices.seq_epoch + 1,
              seq_reserved = GREATEST(devices.seq_reserved, devices.last_seq) + $4,
            """ + DEVICE_SEEN + """

            RETURNING seq_epoch, last_seq, seq_reserved""";

    /** The holder of epoch $2 reserves $3 more numbers; no row when the sequence was taken over meanwhile. */
    static final String EXTEND_SEQ = """
            UPDATE devices SET seq_reserved = seq_reserved + $3 WHERE device_id = $1 AND seq_epoch = $2
            RETURNING seq_reserved""";

    /**
     * Each holder of an epoch gives back what it reserved past the last number it handed out: ($1, $2, $3) are the
     * devices, their epochs and those numbers, one (device, epoch) at most. A holder whose sequence was taken over
     * meanwhile matches nothing (the new holder reserved past it already).
     */
    static final String RELEASE_SEQS = """
            UPDATE devices d SET seq_reserved = u.last
            FROM UNNEST($1::text[], $2::bigint[], $3::bigint[]) AS u (device_id, epoch, last)
            WHERE d.device_id = u.device_id AND d.seq_epoch = u.epoch AND d.seq_reserved > u.last""";

    static final String UPSERT_CONVERSATIONS = """
            INSERT INTO conversations (device_id, id, phone_number, contact_name, last_message_time, unread_count, doc, updated_at)
            SELECT u.device_id, u.id, u.phone_number, u.contact_name, u.last_message_time, u.unread_count, u.doc::json, now()
            FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::text[])
                 AS u (device_id, id, phone_number, contact_name, last_message_time, unread_count, doc)
            ON CONFLICT (device_id, id) DO UPDATE SET
              phone_number = EXCLUDED.phone_number,
              contact_name = EXCLUDED.contact_name,
              last_message_time = EXCLUDED.last_message_time,
              unread_count = EXCLUDED.unread_count,
              doc = EXCLUDED.doc,
              updated_at = now()""";

    // (device, id) pairs are distinct (the batch keeps a message's last status): a row joined twice would take either.
    static final String UPDATE_MESSAGE_STATUSES = """
            UPDATE messages m SET status = u.status, updated_at = now()
            FROM UNNEST($1::text[], $2::text[], $3::text[]) AS u (device_id, id, status)
            JOIN devices d ON d.device_id = u.device_id
            WHERE m.device_no = d.device_no AND m.id = u.id""";

    // doc::text: the stored text as the phone sent it, parsed once in Java (keeps key order and integers).
    static final String LOAD_CONVERSATIONS = """
            SELECT doc::text AS doc FROM conversations WHERE device_id = $1
            ORDER BY last_message_time DESC NULLS LAST, id""";

    // The $2 most recently active threads (a thread is a conversationId, else a phone number, as the web
    // app files them), most recent first, and the latest $3 messages of each, handed back oldest first as
    // the web app shows them; of a message stored more than once (V13), its newest row, with the last status
    // recorded for it when that row has none (a re-sent message without "status" keeps the one reported
    // earlier). A thread is ranked by its newest row, replaced or not (a message re-sent keeps its thread and
    // time; only one that moved would rank its old thread, which then shows none of it). Each thread's messages
    // are read off messages_device_thread_ts_idx, already in order, skipping replaced rows, until $3 are found:
    // "=" and "IS NULL" can walk that index, "IS NOT DISTINCT FROM" cannot (PostgreSQL would read every message
    // of the device once per thread), hence the two arms, of which only one runs per thread.
    static final String LOAD_THREADS = byDeviceNumber("""
            WITH threads AS (
              SELECT COALESCE(conversation_id, phone_number) AS thread, max(ts) AS last_ts
              FROM messages WHERE device_no = $device
              GROUP BY 1 ORDER BY last_ts DESC NULLS LAST, thread LIMIT $2)
            SELECT t.thread, m.doc, COALESCE(m.status, (SELECT o.status FROM messages o
                     WHERE o.device_no = $device AND o.id = m.id AND o.status IS NOT NULL ORDER BY o.seq DESC, o.pos DESC LIMIT 1)) AS status
            FROM threads t CROSS JOIN LATERAL (
              (SELECT doc::text AS doc, status, ts, id FROM messages m
               WHERE t.thread IS NOT NULL AND device_no = $device AND COALESCE(conversation_id, phone_number) = t.thread AND\s""" + NEWEST + """

               ORDER BY COALESCE(conversation_id, phone_number), ts DESC NULLS LAST, id DESC LIMIT $3)
              UNION ALL
              (SELECT doc::text AS doc, status, ts, id FROM messages m
               WHERE t.thread IS NULL AND device_no = $device AND COALESCE(conversation_id, phone_number) IS NULL AND\s""" + NEWEST + """

               ORDER BY COALESCE(conversation_id, phone_number), ts DESC NULLS LAST, id DESC LIMIT $3)) m
            ORDER BY t.last_ts DESC NULLS LAST, t.thread, m.ts ASC NULLS FIRST, m.id ASC""");

    /** The newest successfully applied migration: answers only when the database does, and shows it is migrated. */
    static final String SCHEMA_VERSION = """
            SELECT version FROM flyway_schema_history
            WHERE success AND version IS NOT NULL
            ORDER BY installed_rank DESC LIMIT 1""";

    // Rows are inserted in arrival order, so created_at (clock_timestamp()) keeps the browsers' order; a key
    // already queued, or twice in the arrays, is inserted once and answered only for the row inserted.
    static final String ENQUEUE_COMMANDS = """
            INSERT INTO outbox (device_id, key, event, payload)
            SELECT u.device_id, u.key, u.event, u.payload::json
            FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u (device_id, key, event, payload, ord)
            ORDER BY u.ord
            ON CONFLICT (device_id, key) DO NOTHING
            RETURNING device_id, key""";

    /** The commands of {@link #DELIVER_COMMANDS} and the phones they wait behind, its parameters $first..$first+4. */
    private static String deliverInputs(int first) {
        return """
                u AS (SELECT * FROM UNNEST($%d::text[], $%d::text[], $%d::text[], $%d::text[], $%d::uuid[]) WITH ORDINALITY
                             AS u (device_id, key, event, payload, handover, ord)),
                behind AS (SELECT DISTINCT u.device_id FROM u
                           WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.device_id = u.device_id AND o.state = 'pending'))"""
                .formatted(first, first + 1, first + 2, first + 3, first + 4);
    }

    private static final String DELIVER_INSERT = """
            INSERT INTO outbox (device_id, key, event, payload, state, handover, delivered_at)
            SELECT u.device_id, u.key, u.event, u.payload::json,
                   CASE WHEN b.device_id IS NULL THEN 'delivered' ELSE 'pending' END,
                   CASE WHEN b.device_id IS NULL THEN u.handover END,
                   CASE WHEN b.device_id IS NULL THEN now() END
            FROM u LEFT JOIN behind b ON b.device_id = u.device_id
            ORDER BY u.ord
            ON CONFLICT (device_id, key) DO NOTHING
            RETURNING device_id, key, state""";

    // A browser's command for a phone that is online, stored as handed over by the phone's node in one
    // statement (no read of the open commands, no claim): delivered by the attempt $5 when the device has no
    // pending command, else pending behind them (the ordinary hand-over then sends them all, in order). Every
    // row of one device in one statement takes the same side, as they all see the same snapshot. A key
    // already stored (a retried send) is left as it is and not answered; one stored concurrently is waited for.
    static final String DELIVER_COMMANDS = "WITH " + deliverInputs(1) + "\n" + DELIVER_INSERT;

    /**
     * {@link #APPEND_MESSAGES_AND_LOG} ($1..$17) and {@link #DELIVER_COMMANDS} ($18..$22) as one statement (see
     * {@link MessagesWithCommands}): their rows together, a phone's (device, epoch) with no key, a command with its.
     */
    static final String APPEND_MESSAGES_AND_DELIVER_COMMANDS = "WITH " + APPEND_PARTS + ",\n" + deliverInputs(18)
            + ",\ndelivered AS (" + DELIVER_INSERT + """
            )
            SELECT device_id, seq_epoch, NULL::text AS key, NULL::text AS state FROM bumped
            UNION ALL
            SELECT device_id, NULL::bigint, key, state FROM delivered""";

    // payload::text: handed to the phone exactly as the browser sent it.
    // Two arms: the pending commands off their own index (an "OR" of the states could not use it); the delivered
    // ones only when asked, for a phone that confirms.
    static final String OPEN_COMMANDS = """
            SELECT key, event, payload, created_at FROM (
              SELECT key, event, payload::text AS payload, created_at FROM outbox WHERE device_id = $1 AND state = 'pending'
              UNION ALL
              SELECT key, event, payload::text AS payload, created_at FROM outbox WHERE $2 AND device_id = $1 AND state = 'delivered'
            ) open ORDER BY created_at, key""";

    // Takes a command for handing to the phone: from pending; or, still delivered, by the same hand-over
    // attempt (whose earlier record had an unknown outcome) or for a phone that confirms and wants it again.
    // Of two attempts claiming one row in one statement only one updates it; the answer names its attempt.
    static final String CLAIM_COMMANDS = """
            UPDATE outbox o SET state = 'delivered', handover = u.handover, delivered_at = COALESCE(o.delivered_at, now())
            FROM UNNEST($1::text[], $2::text[], $3::uuid[], $4::boolean[]) AS u (device_id, key, handover, redeliver)
            WHERE o.device_id = u.device_id AND o.key = u.key
              AND (o.state = 'pending' OR (o.state = 'delivered' AND (o.handover = u.handover OR u.redeliver)))
            RETURNING o.device_id, o.key, u.handover::text AS handover, o.event, o.payload::text AS payload""";

    // The phone reported on it: done, never handed over again (an expired command stays expired).
    static final String CONFIRM_COMMANDS = """
            UPDATE outbox o SET state = 'done', delivered_at = COALESCE(o.delivered_at, now()), done_at = now()
            FROM UNNEST($1::text[], $2::text[]) AS u (device_id, key)
            WHERE o.device_id = u.device_id AND o.key = u.key AND o.state IN ('pending', 'delivered')""";

    // Atomic per row: with several nodes sweeping, each expired command is reported once.
    // Settled commands past their keeping time, oldest first, a bounded number per call (see V8).
    static final String PRUNE_COMMANDS = """
            DELETE FROM outbox WHERE ctid = ANY (ARRAY(
              SELECT ctid FROM outbox WHERE state <> 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2))""";

    static final String EXPIRE_COMMANDS = """
            UPDATE outbox SET state = 'expired' WHERE state = 'pending' AND created_at < $1
            RETURNING device_id, key, event""";

    // Each event with the number of the event logged before it ("prev"): numbers between were never stored
    // (skipped, or their writes failed). Before the oldest event kept, that is the highest number pruned, so a
    // first event whose prev is past $2 says the events after $2 are no longer all there. An event is a row of
    // device_events or, when it has none, its message rows (V13), rebuilt as the phone sent it; message rows at or
    // below the highest number pruned are messages, no longer events.
    static final String EVENTS_SINCE = byDeviceNumber("""
            WITH pruned AS (SELECT COALESCE((SELECT log_pruned_to FROM devices WHERE device_id = $1), 0) AS seq),
            rebuilt AS (SELECT seq, '""" + Events.MESSAGES_SYNC + """
            '::text AS event, '{"messages":[' || string_agg(doc::text, ',' ORDER BY pos) || ']}' AS payload, 1 AS source
                     FROM messages WHERE device_no = $device AND seq > GREATEST($2, (SELECT seq FROM pruned)) GROUP BY seq ORDER BY seq LIMIT $3),
            logged AS (SELECT seq, event, payload::text AS payload, 0 AS source
                     FROM device_events WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3),
            page AS (SELECT DISTINCT ON (seq) seq, event, payload FROM (SELECT * FROM logged UNION ALL SELECT * FROM rebuilt) x
                     ORDER BY seq, source LIMIT $3),
            before AS (SELECT GREATEST((SELECT max(seq) FROM device_events WHERE device_id = $1 AND seq <= $2),
                                       (SELECT max(seq) FROM messages WHERE device_no = $device AND seq <= $2),
                                       (SELECT seq FROM pruned)) AS seq)
            SELECT p.seq, lag(p.seq, 1, b.seq) OVER (ORDER BY p.seq) AS prev, p.event, p.payload
            FROM page p CROSS JOIN before b ORDER BY p.seq""");

    static final String LAST_SEQ = "SELECT last_seq FROM devices WHERE device_id = $1";

    // The log keeps a window per device; a browser further behind gets a full sync instead. Rows of messages that a
    // later row replaced are dropped with the events they belonged to (V13), only in the range this pruning passes:
    // below it they went before, and a message as it stands is never dropped.
    static final String PRUNE_EVENTS = """
            WITH pruned AS (DELETE FROM device_events WHERE device_id = $1 AND seq <= $2),
            compacted AS (DELETE FROM messages m USING devices d
                          WHERE d.device_id = $1 AND m.device_no = d.device_no AND m.seq > d.log_pruned_to AND m.seq <= $2 AND NOT\s""" + NEWEST + """
            )
            UPDATE devices SET log_pruned_to = GREATEST(log_pruned_to, $2) WHERE device_id = $1""";
}
