package io.relay.store;

import io.relay.relay.Addresses;

/**
 * The persistence verticle's operations and the field names of their JSON requests, in one place so
 * {@link EventBusStore} and {@link PersistenceVerticle} cannot drift apart.
 *
 * <p>Each operation listens on {@code Addresses.store(op)} (local only). Requests are {@code JsonObject}s;
 * instants travel as ISO-8601 strings, byte arrays as base64 (Vert.x's JSON conventions). Replies:
 * {@code null} for "done" and for an empty {@code Optional}, a {@code JsonObject} for one row, a
 * {@code JsonArray} of documents for loads.
 */
public final class StoreOps {
    private StoreOps() {
    }

    /** {token, imageId, secretHash, expiresAt} → null. */
    public static final String CREATE_PAIRING_TOKEN = "create-pairing-token";
    /** {token} → pairing row or null. */
    public static final String FIND_PAIRING_TOKEN = "find-pairing-token";
    /** {imageId} → pairing row or null. */
    public static final String FIND_PAIRING_IMAGE = "find-pairing-image";
    /** {token} → pairing row, when this call is the one that hands its session out; else null. */
    public static final String CLAIM_PAIRING_SESSION = "claim-pairing-session";
    /** {secretHash, deviceId, sessionId, sessionExpiresAt} → pairing row or null. */
    public static final String REDEEM_PAIRING_TOKEN = "redeem-pairing-token";
    /** {deviceId, deviceName?, deviceModel?} → null. */
    public static final String UPSERT_DEVICE = "upsert-device";
    /** {deviceId} → {secretHash (base64), bound, legacyNoted}, or null when the device is unknown or has no secret yet. */
    public static final String FIND_DEVICE_CREDENTIAL = "find-device-credential";
    /** {deviceId} → null: the device presented its secret, and needs it from now on. */
    public static final String BIND_DEVICE_SECRET = "bind-device-secret";
    /** {deviceId} → true the first time the device is noted as registering without its secret. */
    public static final String NOTE_LEGACY_DEVICE = "note-legacy-device";
    /** {deviceId, secretHash} → {issued: boolean}: true only if the device had no secret until now. */
    public static final String ISSUE_DEVICE_SECRET = "issue-device-secret";
    /** {deviceId} → [{sessionId, createdAt, lastSeen, expiresAt}] of its live sessions. */
    public static final String LIST_SESSIONS = "list-sessions";
    /** {deviceId, sessionId?} → [sessionId] revoked just now (every live one when sessionId is absent). */
    public static final String REVOKE_SESSIONS = "revoke-sessions";
    /** {sessionId} → session row or null. */
    public static final String FIND_SESSION = "find-session";
    /** {deviceId, messages: [..]} → null. */
    public static final String SAVE_MESSAGES = "save-messages";
    /** {deviceId, conversations: [..]} → null. */
    public static final String SAVE_CONVERSATIONS = "save-conversations";
    /** {deviceId, messageId, status} → null. */
    public static final String UPDATE_MESSAGE_STATUS = "update-message-status";
    /** {deviceId} → [conversation docs], most recent first. */
    public static final String LOAD_CONVERSATIONS = "load-conversations";
    /** {deviceId, threads, limit} → [[message docs, oldest first]], one array per thread, most recently active first. */
    public static final String LOAD_THREADS = "load-threads";
    /** {deviceId, key, event, payload} → true when queued, false when the key was already there. */
    public static final String ENQUEUE_COMMAND = "enqueue-command";
    /** {deviceId, includeDelivered} → [{key, event, payload}], oldest first. */
    public static final String OPEN_COMMANDS = "open-commands";
    /** {deviceId, key} → null. */
    public static final String CONFIRM_COMMAND = "confirm-command";
    /** {deviceId, key, handover, redeliver} → {key, event, payload} when this hand-over now holds it, else null. */
    public static final String CLAIM_COMMAND = "claim-command";
    /** {queuedBefore} → [{deviceId, key, event}] expired now. */
    public static final String EXPIRE_COMMANDS = "expire-commands";
    /** {deviceId, event, payload} → the event's sequence number. */
    public static final String APPEND_EVENT = "append-event";
    /** {deviceId, since, limit} → [{seq, event, payload}], oldest first. */
    public static final String EVENTS_SINCE = "events-since";
    /** {deviceId} → the device's last sequence number. */
    public static final String LAST_SEQ = "last-seq";
    /** {} → the last schema version Flyway applied, or null (readiness: the database answers, migrated). */
    public static final String SCHEMA_VERSION = "schema-version";

    /** Every operation, for registering consumers. */
    public static final java.util.List<String> ALL = java.util.List.of(
            CREATE_PAIRING_TOKEN, FIND_PAIRING_TOKEN, FIND_PAIRING_IMAGE, REDEEM_PAIRING_TOKEN, CLAIM_PAIRING_SESSION, UPSERT_DEVICE, FIND_DEVICE_CREDENTIAL, ISSUE_DEVICE_SECRET,
            BIND_DEVICE_SECRET, NOTE_LEGACY_DEVICE,
            LIST_SESSIONS, REVOKE_SESSIONS, FIND_SESSION,
            SAVE_MESSAGES, SAVE_CONVERSATIONS, UPDATE_MESSAGE_STATUS, LOAD_CONVERSATIONS, LOAD_THREADS, SCHEMA_VERSION,
            ENQUEUE_COMMAND, OPEN_COMMANDS, CONFIRM_COMMAND, CLAIM_COMMAND, EXPIRE_COMMANDS, APPEND_EVENT, EVENTS_SINCE, LAST_SEQ);

    public static String address(String op) {
        return Addresses.store(op);
    }

    // Request and reply fields.
    public static final String TOKEN = "token";
    public static final String IMAGE_ID = "imageId";
    public static final String DELIVERED_AT = "deliveredAt";
    public static final String SECRET_HASH = "secretHash";
    public static final String CREATED_AT = "createdAt";
    public static final String EXPIRES_AT = "expiresAt";
    public static final String REDEEMED_AT = "redeemedAt";
    public static final String REVOKED_AT = "revokedAt";
    public static final String LAST_SEEN = "lastSeen";
    public static final String DEVICE_ID = "deviceId";
    public static final String DEVICE_NAME = "deviceName";
    public static final String DEVICE_MODEL = "deviceModel";
    public static final String SESSION_ID = "sessionId";
    public static final String SESSION_EXPIRES_AT = "sessionExpiresAt";
    public static final String MESSAGES = "messages";
    public static final String CONVERSATIONS = "conversations";
    public static final String MESSAGE_ID = "messageId";
    public static final String STATUS = "status";
    public static final String LIMIT = "limit";
    public static final String KEY = "key";
    public static final String EVENT = "event";
    public static final String PAYLOAD = "payload";
    public static final String INCLUDE_DELIVERED = "includeDelivered";
    public static final String HANDOVER = "handover";
    public static final String REDELIVER = "redeliver";
    public static final String QUEUED_BEFORE = "queuedBefore";
    public static final String SEQ = "seq";
    public static final String SINCE = "since";
    public static final String ISSUED = "issued";
    public static final String BOUND = "bound";
    public static final String LEGACY_NOTED = "legacyNoted";
    public static final String THREADS = "threads";

    /** Largest batch of messages or conversations accepted in one request. */
    public static final int MAX_BATCH = 5000;
    /** Largest {@code limit} of one message load (messages per thread, and threads per load). */
    public static final int MAX_LOAD = 5000;
}
