package io.relay.store;

import io.relay.relay.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Optional;

/**
 * {@link Store} as a client of the {@link PersistenceVerticle} on the local event bus. Cheap: build
 * one wherever needed. Failures become {@link StoreException}s; a verticle that is not deployed or
 * does not answer in {@link #REQUEST_TIMEOUT_MS} counts as storage unavailable.
 */
public final class EventBusStore implements Store {

    /** Longer than the pool's own waits, short enough that a socket handler can still answer its client. */
    public static final long REQUEST_TIMEOUT_MS = 10_000;

    // Local only: the verticle's consumers are local, a clustered lookup would find nobody.
    private static final DeliveryOptions DELIVERY = new DeliveryOptions().setLocalOnly(true).setSendTimeout(REQUEST_TIMEOUT_MS);

    private final Vertx vertx;

    public EventBusStore(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public Future<Void> createPairingToken(String token, String imageId, byte[] secretHash, Instant expiresAt) {
        return request(StoreOps.CREATE_PAIRING_TOKEN, new JsonObject().put(StoreOps.TOKEN, token).put(StoreOps.IMAGE_ID, imageId)
                .put(StoreOps.SECRET_HASH, secretHash).put(StoreOps.EXPIRES_AT, expiresAt))
                .mapEmpty();
    }

    @Override
    public Future<Optional<PairingToken>> findPairingToken(String token) {
        return request(StoreOps.FIND_PAIRING_TOKEN, new JsonObject().put(StoreOps.TOKEN, token))
                .map(body -> Optional.ofNullable((JsonObject) body).map(EventBusStore::pairingToken));
    }

    @Override
    public Future<Optional<PairingToken>> findPairingImage(String imageId) {
        return request(StoreOps.FIND_PAIRING_IMAGE, new JsonObject().put(StoreOps.IMAGE_ID, imageId))
                .map(body -> Optional.ofNullable((JsonObject) body).map(EventBusStore::pairingToken));
    }

    @Override
    public Future<Optional<PairingToken>> claimPairingSession(String token) {
        return request(StoreOps.CLAIM_PAIRING_SESSION, new JsonObject().put(StoreOps.TOKEN, token))
                .map(body -> Optional.ofNullable((JsonObject) body).map(EventBusStore::pairingToken));
    }

    @Override
    public Future<Optional<PairingToken>> redeemPairingToken(byte[] secretHash, String deviceId, String sessionId, Instant sessionExpiresAt) {
        return request(StoreOps.REDEEM_PAIRING_TOKEN, new JsonObject()
                .put(StoreOps.SECRET_HASH, secretHash).put(StoreOps.DEVICE_ID, deviceId)
                .put(StoreOps.SESSION_ID, sessionId).put(StoreOps.SESSION_EXPIRES_AT, sessionExpiresAt))
                .map(body -> Optional.ofNullable((JsonObject) body).map(EventBusStore::pairingToken));
    }

    @Override
    public Future<Void> upsertDevice(String deviceId, String deviceName, String deviceModel) {
        return request(StoreOps.UPSERT_DEVICE, new JsonObject()
                .put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.DEVICE_NAME, deviceName).put(StoreOps.DEVICE_MODEL, deviceModel))
                .mapEmpty();
    }

    @Override
    public Future<Optional<DeviceCredential>> findDeviceCredential(String deviceId) {
        return request(StoreOps.FIND_DEVICE_CREDENTIAL, new JsonObject().put(StoreOps.DEVICE_ID, deviceId))
                .map(body -> Optional.ofNullable((JsonObject) body).map(row -> new DeviceCredential(row.getBinary(StoreOps.SECRET_HASH),
                        row.getBoolean(StoreOps.BOUND), row.getBoolean(StoreOps.LEGACY_NOTED))));
    }

    @Override
    public Future<Void> bindDeviceSecret(String deviceId) {
        return request(StoreOps.BIND_DEVICE_SECRET, new JsonObject().put(StoreOps.DEVICE_ID, deviceId)).mapEmpty();
    }

    @Override
    public Future<Boolean> noteLegacyDevice(String deviceId) {
        return request(StoreOps.NOTE_LEGACY_DEVICE, new JsonObject().put(StoreOps.DEVICE_ID, deviceId)).map(Boolean.class::cast);
    }

    @Override
    public Future<Boolean> issueDeviceSecret(String deviceId, byte[] secretHash) {
        return request(StoreOps.ISSUE_DEVICE_SECRET, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.SECRET_HASH, secretHash))
                .map(body -> ((JsonObject) body).getBoolean(StoreOps.ISSUED, false));
    }

    @Override
    public Future<java.util.List<SessionSummary>> listSessions(String deviceId) {
        return request(StoreOps.LIST_SESSIONS, new JsonObject().put(StoreOps.DEVICE_ID, deviceId))
                .map(body -> ((JsonArray) body).stream().map(JsonObject.class::cast)
                        .map(row -> new SessionSummary(row.getString(StoreOps.SESSION_ID), row.getInstant(StoreOps.CREATED_AT),
                                row.getInstant(StoreOps.LAST_SEEN), row.getInstant(StoreOps.EXPIRES_AT)))
                        .toList());
    }

    @Override
    public Future<java.util.List<String>> revokeSessions(String deviceId, String sessionId) {
        return request(StoreOps.REVOKE_SESSIONS, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.SESSION_ID, sessionId))
                .map(body -> ((JsonArray) body).stream().map(String.class::cast).toList());
    }

    @Override
    public Future<Optional<SessionRecord>> findSession(String sessionId) {
        return request(StoreOps.FIND_SESSION, new JsonObject().put(StoreOps.SESSION_ID, sessionId))
                .map(body -> Optional.ofNullable((JsonObject) body).map(EventBusStore::session));
    }

    @Override
    public Future<Void> saveMessages(String deviceId, JsonArray messages) {
        return request(StoreOps.SAVE_MESSAGES, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.MESSAGES, messages))
                .mapEmpty();
    }

    @Override
    public Future<Long> saveMessagesAndLog(String deviceId, JsonArray messages, String event, JsonObject payload) {
        return request(StoreOps.SAVE_MESSAGES, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.MESSAGES, messages)
                .put(StoreOps.EVENT, event).put(StoreOps.PAYLOAD, payload))
                .map(seq -> ((Number) seq).longValue());
    }

    @Override
    public Future<Void> saveConversations(String deviceId, JsonArray conversations) {
        return request(StoreOps.SAVE_CONVERSATIONS, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.CONVERSATIONS, conversations))
                .mapEmpty();
    }

    @Override
    public Future<Void> updateMessageStatus(String deviceId, String messageId, String status) {
        return request(StoreOps.UPDATE_MESSAGE_STATUS, new JsonObject()
                .put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.MESSAGE_ID, messageId).put(StoreOps.STATUS, status))
                .mapEmpty();
    }

    @Override
    public Future<JsonArray> loadConversations(String deviceId) {
        return request(StoreOps.LOAD_CONVERSATIONS, new JsonObject().put(StoreOps.DEVICE_ID, deviceId)).map(JsonArray.class::cast);
    }

    @Override
    public Future<java.util.List<JsonArray>> loadThreads(String deviceId, int threads, int perThread) {
        return request(StoreOps.LOAD_THREADS, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.THREADS, threads)
                .put(StoreOps.LIMIT, perThread))
                .map(body -> ((JsonArray) body).stream().map(JsonArray.class::cast).toList());
    }

    @Override
    public Future<Optional<String>> schemaVersion() {
        return request(StoreOps.SCHEMA_VERSION, new JsonObject()).map(body -> Optional.ofNullable((String) body));
    }

    @Override
    public Future<Boolean> enqueueCommand(String deviceId, String key, String event, JsonObject payload) {
        return request(StoreOps.ENQUEUE_COMMAND, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.KEY, key)
                .put(StoreOps.EVENT, event).put(StoreOps.PAYLOAD, payload))
                .map(Boolean.class::cast);
    }

    @Override
    public Future<JsonArray> openCommands(String deviceId, boolean includeDelivered) {
        return request(StoreOps.OPEN_COMMANDS, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.INCLUDE_DELIVERED, includeDelivered))
                .map(JsonArray.class::cast);
    }

    @Override
    public Future<Void> confirmCommand(String deviceId, String key) {
        return request(StoreOps.CONFIRM_COMMAND, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.KEY, key))
                .mapEmpty();
    }

    @Override
    public Future<Optional<JsonObject>> claimCommand(String deviceId, String key, String handover, boolean redeliver) {
        return request(StoreOps.CLAIM_COMMAND, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.KEY, key)
                .put(StoreOps.HANDOVER, handover).put(StoreOps.REDELIVER, redeliver))
                .map(body -> Optional.ofNullable((JsonObject) body));
    }

    @Override
    public Future<JsonArray> expireCommands(Instant queuedBefore) {
        return request(StoreOps.EXPIRE_COMMANDS, new JsonObject().put(StoreOps.QUEUED_BEFORE, queuedBefore))
                .map(JsonArray.class::cast);
    }

    @Override
    public Future<Long> appendEvent(String deviceId, String event, JsonObject payload) {
        return request(StoreOps.APPEND_EVENT, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.EVENT, event)
                .put(StoreOps.PAYLOAD, payload))
                .map(seq -> ((Number) seq).longValue());
    }

    @Override
    public Future<JsonArray> eventsSince(String deviceId, long since, int limit) {
        return request(StoreOps.EVENTS_SINCE, new JsonObject().put(StoreOps.DEVICE_ID, deviceId).put(StoreOps.SINCE, since)
                .put(StoreOps.LIMIT, limit))
                .map(JsonArray.class::cast);
    }

    @Override
    public Future<Long> lastSeq(String deviceId) {
        return request(StoreOps.LAST_SEQ, new JsonObject().put(StoreOps.DEVICE_ID, deviceId))
                .map(seq -> ((Number) seq).longValue());
    }

    private Future<Object> request(String op, JsonObject request) {
        return vertx.eventBus().request(StoreOps.address(op), request, DELIVERY)
                .map(Message::body)
                .recover(error -> Future.failedFuture(toStoreException(op, error)));
    }

    static StoreException toStoreException(String op, Throwable error) {
        if (error instanceof ReplyException reply) {
            return switch (reply.failureType()) {
                case NO_HANDLERS -> new StoreException(FailureCodes.STORAGE_UNAVAILABLE, "storage is not running (" + op + ")");
                case TIMEOUT -> new StoreException(FailureCodes.STORAGE_UNAVAILABLE, "storage did not answer in time (" + op + ")");
                default -> new StoreException(reply.failureCode(), reply.getMessage());
            };
        }
        return new StoreException(FailureCodes.INTERNAL, op + ": " + error);
    }

    private static PairingToken pairingToken(JsonObject row) {
        return new PairingToken(row.getString(StoreOps.TOKEN), row.getInstant(StoreOps.CREATED_AT), row.getInstant(StoreOps.EXPIRES_AT),
                row.getInstant(StoreOps.REDEEMED_AT), row.getString(StoreOps.DEVICE_ID), row.getString(StoreOps.SESSION_ID),
                row.getInstant(StoreOps.DELIVERED_AT));
    }

    private static SessionRecord session(JsonObject row) {
        return new SessionRecord(row.getString(StoreOps.SESSION_ID), row.getString(StoreOps.DEVICE_ID), row.getInstant(StoreOps.CREATED_AT),
                row.getInstant(StoreOps.EXPIRES_AT), row.getInstant(StoreOps.REVOKED_AT));
    }
}
