package io.relay.store;

import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static io.relay.store.StoreArgs.id;

/**
 * The {@link Store} on PostgreSQL, called in-process from any event loop. Reads and the rare writes
 * (pairing, devices, sessions, the outbox sweep) go straight to the shared pool from the caller's context;
 * the frequent writes (messages, event log, conversations, statuses, outbox) go through the
 * {@link GroupCommit} owned by the persistence verticle. Either way the caller's Future completes on its own
 * context, once the database committed (or answered).
 *
 * <p>Failures are {@link StoreException}s with a {@link FailureReason}: a bad argument is a
 * {@code 400}, logged at INFO; anything else is logged through a {@link FailureLog}, so an outage gives a
 * few lines, not one per call. Nothing answers later than {@link #TIMEOUT}: a database that hangs fails the
 * call as "storage unavailable".
 */
public final class PgStore implements Store {
    private static final Logger LOG = LoggerFactory.getLogger(PgStore.class);
    /** Longer than the pool's own waits, short enough that a socket handler can still answer its client. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** How often a failure that goes on (the database down) is summed up in the log. */
    private static final long FAILURE_LOG_WINDOW_MILLIS = 10_000;

    private final Pool pool;
    private final GroupCommit writes;
    private final FailureLog failures = new FailureLog(LOG::warn, System::currentTimeMillis, FAILURE_LOG_WINDOW_MILLIS);
    private final RunningStatements direct = new RunningStatements();

    PgStore(Pool pool, GroupCommit writes) {
        this.pool = pool;
        this.writes = writes;
    }

    /** The direct statements running (batched writes are the group commit's own to wait for). */
    RunningStatements direct() {
        return direct;
    }

    @Override
    public Future<Instant> createPairingToken(String token, String imageId, byte[] secretHash, Instant expiresAt) {
        return direct("create-pairing-token", () -> pool.preparedQuery(StoreSql.CREATE_PAIRING_TOKEN)
                .execute(Tuple.of(StoreArgs.uuid(token, "token"), StoreArgs.uuid(imageId, "imageId"), StoreArgs.secretHash(secretHash),
                        StoreArgs.instant(expiresAt, "expiresAt")))
                .map(rows -> StoreRows.instant(rows.iterator().next(), "created_at")));
    }

    @Override
    public Future<Optional<PairingToken>> findPairingToken(String token) {
        return pairingBy("find-pairing-token", StoreSql.FIND_PAIRING_TOKEN, token);
    }

    @Override
    public Future<Optional<PairingToken>> findPairingImage(String imageId) {
        return pairingBy("find-pairing-image", StoreSql.FIND_PAIRING_IMAGE, imageId);
    }

    @Override
    public Future<Optional<ClaimedSession>> claimPairingSession(String token) {
        UUID uuid = StoreArgs.uuidOrNull(token);
        if (uuid == null) {
            return Future.succeededFuture(Optional.empty());
        }
        return direct("claim-pairing-session", () -> pool.preparedQuery(StoreSql.CLAIM_PAIRING_SESSION).execute(Tuple.of(uuid))
                .map(rows -> StoreRows.first(rows, row -> new ClaimedSession(row.getString("session_id"), row.getString("device_id"),
                        StoreRows.instant(row, "expires_at")))));
    }

    /** The one pairing row {@code sql} answers for {@code id}; none (and no query) when the id is not a UUID. */
    private Future<Optional<PairingToken>> pairingBy(String op, String sql, String id) {
        UUID uuid = StoreArgs.uuidOrNull(id);
        if (uuid == null) {
            return Future.succeededFuture(Optional.empty());
        }
        return direct(op, () -> pool.preparedQuery(sql).execute(Tuple.of(uuid)).map(rows -> StoreRows.first(rows, StoreRows::pairing)));
    }

    @Override
    public Future<Optional<PairingToken>> redeemPairingToken(byte[] secretHash, String deviceId, String sessionId, Instant sessionExpiresAt) {
        return direct("redeem-pairing-token", () -> {
            Tuple redeem = Tuple.of(StoreArgs.secretHash(secretHash), id(deviceId, "deviceId"), StoreArgs.uuid(sessionId, "sessionId"),
                    StoreArgs.instant(sessionExpiresAt, "sessionExpiresAt"));
            return pool.preparedQuery(StoreSql.REDEEM_PAIRING_TOKEN).execute(redeem).map(rows -> StoreRows.first(rows, StoreRows::pairing));
        });
    }

    @Override
    public Future<Integer> prunePairingTokens(Instant expiredBefore, int limit) {
        return direct("prune-pairing-tokens", () -> pool.preparedQuery(StoreSql.PRUNE_PAIRING_TOKENS)
                .execute(Tuple.of(StoreArgs.instant(expiredBefore, "expiredBefore"), StoreArgs.limit(limit, "limit")))
                .map(rows -> rows.rowCount()));
    }

    @Override
    public Future<Void> upsertDevice(String deviceId, String deviceName, String deviceModel) {
        return direct("upsert-device", () -> pool.preparedQuery(StoreSql.UPSERT_DEVICE)
                .execute(Tuple.of(id(deviceId, "deviceId"), deviceName, deviceModel)).mapEmpty());
    }

    @Override
    public Future<Optional<DeviceCredential>> findDeviceCredential(String deviceId) {
        return direct("find-device-credential", () -> pool.preparedQuery(StoreSql.FIND_DEVICE_CREDENTIAL)
                .execute(Tuple.of(id(deviceId, "deviceId")))
                .map(rows -> StoreRows.first(rows, row -> row.getBuffer("secret_hash") == null ? null
                        : new DeviceCredential(row.getBuffer("secret_hash").getBytes(), row.getBoolean("bound"), row.getBoolean("legacy_noted")))));
    }

    @Override
    public Future<Void> bindDeviceSecret(String deviceId) {
        return direct("bind-device-secret", () -> pool.preparedQuery(StoreSql.BIND_DEVICE_SECRET)
                .execute(Tuple.of(id(deviceId, "deviceId"))).mapEmpty());
    }

    @Override
    public Future<Boolean> noteLegacyDevice(String deviceId) {
        return direct("note-legacy-device", () -> pool.preparedQuery(StoreSql.NOTE_LEGACY_DEVICE)
                .execute(Tuple.of(id(deviceId, "deviceId"))).map(rows -> rows.size() == 1));
    }

    @Override
    public Future<Boolean> issueDeviceSecret(String deviceId, byte[] secretHash) {
        return direct("issue-device-secret", () -> pool.preparedQuery(StoreSql.ISSUE_DEVICE_SECRET)
                .execute(Tuple.of(id(deviceId, "deviceId"), StoreArgs.secretHash(secretHash))).map(rows -> rows.size() == 1));
    }

    @Override
    public Future<List<SessionSummary>> listSessions(String deviceId) {
        return direct("list-sessions", () -> pool.preparedQuery(StoreSql.LIST_SESSIONS).execute(Tuple.of(id(deviceId, "deviceId")))
                .map(rows -> {
                    List<SessionSummary> sessions = new ArrayList<>(rows.size());
                    rows.forEach(row -> sessions.add(new SessionSummary(row.getString("id"), StoreRows.instant(row, "created_at"),
                            StoreRows.instant(row, "last_seen"), StoreRows.instant(row, "expires_at"))));
                    return sessions;
                }));
    }

    @Override
    public Future<List<String>> revokeSessions(String deviceId, String sessionId) {
        UUID one = sessionId == null ? null : StoreArgs.uuidOrNull(sessionId);
        if (sessionId != null && one == null) {
            return Future.succeededFuture(List.of()); // not a session id: matches nothing
        }
        return direct("revoke-sessions", () -> pool.preparedQuery(StoreSql.REVOKE_SESSIONS).execute(Tuple.of(id(deviceId, "deviceId"), one))
                .map(rows -> {
                    List<String> ids = new ArrayList<>(rows.size());
                    rows.forEach(row -> ids.add(row.getString("id")));
                    return ids;
                }));
    }

    @Override
    public Future<Optional<SessionRecord>> findSession(String sessionId) {
        UUID uuid = StoreArgs.uuidOrNull(sessionId);
        if (uuid == null) {
            return Future.succeededFuture(Optional.empty());
        }
        return direct("find-session", () -> pool.preparedQuery(StoreSql.FIND_SESSION).execute(Tuple.of(uuid))
                .map(rows -> StoreRows.first(rows, row -> new SessionRecord(row.getString("id"), row.getString("device_id"),
                        StoreRows.instant(row, "created_at"), StoreRows.instant(row, "expires_at"), StoreRows.instant(row, "revoked_at")))));
    }

    @Override
    public Future<Void> forgetDevice(String deviceId) {
        return direct("forget-device", () -> pool.preparedQuery(StoreSql.FORGET_DEVICE).execute(Tuple.of(id(deviceId, "deviceId"))).mapEmpty());
    }

    @Override
    public Future<Void> saveMessagesAndLog(String deviceId, JsonArray messages, LogEntry entry, String payloadJson) {
        return batched("save-messages", () -> writes.submit(new MessageWrites.Save(id(deviceId, "deviceId"),
                StoreArgs.batch(messages, "messages"), logged(entry), StoreArgs.payload(payloadJson))));
    }

    @Override
    public Future<Void> saveConversationsAndLog(String deviceId, JsonArray conversations, LogEntry entry, String payloadJson) {
        return batched("save-conversations", () -> {
            var logged = new MessageWrites.Save(id(deviceId, "deviceId"), new JsonArray(), logged(entry), StoreArgs.payload(payloadJson));
            var save = new ConversationWrites.Save(deviceId, StoreArgs.batch(conversations, "conversations"), payloadJson);
            return writes.submit(save.rows.isEmpty() ? logged : new Together<>(logged, List.of(save)));
        });
    }

    @Override
    public Future<Void> recordStatusAndLog(String deviceId, String messageId, String status, String settles, LogEntry entry,
                                           String payloadJson) {
        return batched("record-status", () -> {
            String device = id(deviceId, "deviceId");
            var logged = new MessageWrites.Save(device, new JsonArray(), logged(entry), StoreArgs.payload(payloadJson));
            return writes.submit(new Together<>(logged, List.of(
                    new StatusWrites.Update(device, id(messageId, "messageId"), id(status, "status")),
                    new OutboxWrites.Confirm(device, id(settles, "settles")))));
        });
    }

    private static LogEntry logged(LogEntry entry) {
        if (entry == null) {
            throw new StoreFailures.BadRequest("entry must be given");
        }
        id(entry.event(), "event");
        if (entry.seq() <= 0 || entry.prev() < 0 || entry.prev() >= entry.seq()) {
            throw new StoreFailures.BadRequest("entry must have 0 <= prev < seq");
        }
        return entry;
    }

    @Override
    public Future<SeqBlock> takeOverSeq(String deviceId, String deviceName, String deviceModel, int size) {
        return direct("take-over-seq", () -> pool.preparedQuery(StoreSql.TAKE_OVER_SEQ)
                .execute(Tuple.of(id(deviceId, "deviceId"), deviceName, deviceModel, (long) StoreArgs.limit(size, "size")))
                .map(rows -> StoreRows.first(rows, row -> new SeqBlock(row.getLong("seq_epoch"), row.getLong("last_seq"),
                                row.getLong("seq_reserved") - size + 1, row.getLong("seq_reserved")))
                        .orElseThrow(() -> new IllegalStateException("the upsert answered no row"))));
    }

    @Override
    public Future<Long> extendSeq(String deviceId, long epoch, int size) {
        return direct("extend-seq", () -> pool.preparedQuery(StoreSql.EXTEND_SEQ)
                .execute(Tuple.of(id(deviceId, "deviceId"), epoch, (long) StoreArgs.limit(size, "size")))
                .map(rows -> StoreRows.first(rows, row -> row.getLong("seq_reserved"))
                        .orElseThrow(() -> new StoreFailures.Superseded("the sequence was taken over"))));
    }

    @Override
    public Future<Void> releaseSeq(String deviceId, long epoch, long lastHandedOut) {
        return batched("release-seq", () -> writes.submit(new SequenceWrites.Release(id(deviceId, "deviceId"), epoch, lastHandedOut)));
    }

    @Override
    public Future<JsonArray> loadConversations(String deviceId) {
        return direct("load-conversations", () -> pool.preparedQuery(StoreSql.LOAD_CONVERSATIONS).execute(Tuple.of(id(deviceId, "deviceId")))
                .map(rows -> {
                    JsonArray docs = new JsonArray();
                    rows.forEach(row -> docs.add(new JsonObject(row.getString("doc"))));
                    return docs;
                }));
    }

    @Override
    public Future<List<JsonArray>> loadThreads(String deviceId, int threads, int perThread) {
        return direct("load-threads", () -> pool.preparedQuery(StoreSql.LOAD_THREADS)
                .execute(Tuple.of(id(deviceId, "deviceId"), StoreArgs.limit(threads, "threads"), StoreArgs.limit(perThread, "limit")))
                .map(StoreRows::threads));
    }

    @Override
    public Future<Optional<String>> schemaVersion() {
        return direct("schema-version", () -> pool.query(StoreSql.SCHEMA_VERSION).execute()
                .map(rows -> StoreRows.first(rows, row -> row.getString("version"))));
    }

    @Override
    public Future<Boolean> enqueueCommand(String deviceId, String key, String event, JsonObject payload) {
        return batched("enqueue-command", () -> writes.submit(new OutboxWrites.Enqueue(id(deviceId, "deviceId"), id(key, "key"),
                id(event, "event"), StoreArgs.payload(payload))));
    }

    @Override
    public Future<Delivery> deliverCommand(String deviceId, String key, String event, JsonObject payload, String handover) {
        return batched("deliver-command", () -> writes.submit(new OutboxWrites.Deliver(id(deviceId, "deviceId"), id(key, "key"),
                id(event, "event"), StoreArgs.payload(payload), StoreArgs.uuid(handover, "handover"))));
    }

    @Override
    public Future<JsonArray> openCommands(String deviceId, boolean includeDelivered) {
        return direct("open-commands", () -> pool.preparedQuery(StoreSql.OPEN_COMMANDS).execute(Tuple.of(id(deviceId, "deviceId"), includeDelivered))
                .map(rows -> {
                    JsonArray commands = new JsonArray();
                    rows.forEach(row -> commands.add(new JsonObject().put("key", row.getString("key"))
                            .put("event", row.getString("event")).put("payload", new JsonObject(row.getString("payload")))));
                    return commands;
                }));
    }

    @Override
    public Future<Void> confirmCommand(String deviceId, String key) {
        return batched("confirm-command", () -> writes.submit(new OutboxWrites.Confirm(id(deviceId, "deviceId"), id(key, "key"))));
    }

    @Override
    public Future<Optional<JsonObject>> claimCommand(String deviceId, String key, String handover, boolean redeliver) {
        return batched("claim-command", () -> writes.submit(new OutboxWrites.Claim(id(deviceId, "deviceId"), id(key, "key"),
                StoreArgs.uuid(handover, "handover"), redeliver)));
    }

    @Override
    public Future<Integer> pruneCommands(Instant queuedBefore, int limit) {
        return direct("prune-commands", () -> pool.preparedQuery(StoreSql.PRUNE_COMMANDS)
                .execute(Tuple.of(StoreArgs.instant(queuedBefore, "queuedBefore"), StoreArgs.limit(limit, "limit")))
                .map(rows -> rows.rowCount()));
    }

    @Override
    public Future<JsonArray> expireCommands(Instant queuedBefore) {
        return direct("expire-commands", () -> pool.preparedQuery(StoreSql.EXPIRE_COMMANDS)
                .execute(Tuple.of(StoreArgs.instant(queuedBefore, "queuedBefore")))
                .map(rows -> {
                    JsonArray expired = new JsonArray();
                    rows.forEach(row -> expired.add(new JsonObject().put("deviceId", row.getString("device_id"))
                            .put("key", row.getString("key")).put("event", row.getString("event"))));
                    return expired;
                }));
    }

    @Override
    public Future<JsonArray> eventsSince(String deviceId, long since, int limit) {
        return direct("events-since", () -> pool.preparedQuery(StoreSql.EVENTS_SINCE)
                .execute(Tuple.of(id(deviceId, "deviceId"), since, StoreArgs.limit(limit, "limit")))
                .map(rows -> {
                    JsonArray events = new JsonArray();
                    rows.forEach(row -> events.add(new JsonObject().put("seq", row.getLong("seq")).put("prev", row.getLong("prev"))
                            .put("event", row.getString("event")).put("payload", new JsonObject(row.getString("payload")))));
                    return events;
                }));
    }

    @Override
    public Future<Long> lastSeq(String deviceId) {
        return direct("last-seq", () -> pool.preparedQuery(StoreSql.LAST_SEQ).execute(Tuple.of(id(deviceId, "deviceId")))
                .map(rows -> StoreRows.first(rows, row -> row.getLong("last_seq")).orElse(0L)));
    }

    /**
     * A statement on the pool from the caller's context, bounded by {@link #TIMEOUT}. Not for work that must land
     * while the node drains: a request made from a socket's context as the HTTP verticles undeploy never runs (the
     * pool dequeues it and takes its session back; BENCHMARKS.md, thirteenth session), so a phone's release, issued
     * as its socket closes, goes through the group commit instead.
     */
    private <T> Future<T> direct(String op, Supplier<Future<T>> statement) {
        if (writes.closed()) {
            return notRunning(op);
        }
        return observed(op, direct.track(op, attempt(statement).timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)));
    }

    /** A write through the group commit, which bounds it by {@link #TIMEOUT} itself. */
    private <T> Future<T> batched(String op, Supplier<Future<T>> submit) {
        return observed(op, attempt(submit));
    }

    private static <T> Future<T> attempt(Supplier<Future<T>> action) {
        try {
            return action.get();
        } catch (RuntimeException e) { // a bad argument, found before anything was sent
            return Future.failedFuture(e);
        }
    }

    /** Logs a failure (rate-limited) and turns it into a {@link StoreException}. */
    private <T> Future<T> observed(String op, Future<T> result) {
        return result.transform(ar -> {
            if (ar.succeeded()) {
                failures.succeeded();
                return result;
            }
            StoreException failure = storeException(op, ar.cause());
            // The client gets our own words (StoreFailures.text); the database's, which may quote values, stay here.
            String detail = StoreFailures.detail(ar.cause());
            if (failure.reason() == FailureReason.INVALID_DATA || failure.reason() == FailureReason.SUPERSEDED) {
                LOG.info("store {} refused ({}): {}", op, failure.reason().code(), detail);
            } else {
                failures.failed(op, failure.reason(), detail);
            }
            return Future.failedFuture(failure);
        });
    }

    private static StoreException storeException(String op, Throwable error) {
        if (error instanceof StoreException e) {
            return e;
        }
        if (error instanceof TimeoutException) {
            return new StoreException(FailureReason.STORAGE_UNAVAILABLE, "storage did not answer in time (" + op + ")");
        }
        return new StoreException(StoreFailures.reason(error), StoreFailures.text(error));
    }

    private <T> Future<T> notRunning(String op) {
        return observed(op, Future.failedFuture(new StoreException(FailureReason.STORAGE_UNAVAILABLE, "storage is not running")));
    }
}
