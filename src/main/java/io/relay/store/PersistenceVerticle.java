package io.relay.store;

import io.relay.config.RelayConfig;
import io.relay.relay.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import static io.relay.store.StoreRequests.body;
import static io.relay.store.StoreRequests.requireId;

/**
 * Owns the PostgreSQL pool and answers the {@link StoreOps} requests on the local event bus.
 * A reply is sent only once the database has committed; failures are {@code fail(code, text)} with a
 * code from {@link FailureCodes} and one log line (never a request body).
 */
public final class PersistenceVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(PersistenceVerticle.class);
    /** How often a failure that goes on (the database down) is summed up in the log. */
    private static final long FAILURE_LOG_WINDOW_MILLIS = 10_000;

    private final FailureLog failures = new FailureLog(LOG::warn, System::currentTimeMillis, FAILURE_LOG_WINDOW_MILLIS);

    private final RelayConfig config;
    private final DatabaseUrl url;
    private Pool pool;
    /** Requests being handled; only touched on this verticle's event loop. */
    private int inFlight;
    private MessageWriter messages;

    public PersistenceVerticle(RelayConfig config, DatabaseUrl url) {
        this.config = config;
        this.url = url;
    }

    @Override
    public Future<?> start() {
        pool = PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(config.databasePoolSize()))
                .connectingTo(url.pgConnectOptions())
                .using(vertx)
                .build();
        // Half the pool for message upserts; reads, pairing and the rest keep the other half.
        messages = new MessageWriter(pool, config.databasePoolSize() / 2);
        List<Future<Void>> registrations = new ArrayList<>();
        PairingQueries pairing = new PairingQueries(pool);
        registrations.add(on(StoreOps.CREATE_PAIRING_TOKEN, pairing::create));
        registrations.add(on(StoreOps.FIND_PAIRING_TOKEN, pairing::find));
        registrations.add(on(StoreOps.FIND_PAIRING_IMAGE, pairing::findImage));
        registrations.add(on(StoreOps.REDEEM_PAIRING_TOKEN, pairing::redeem));
        registrations.add(on(StoreOps.CLAIM_PAIRING_SESSION, pairing::claim));
        registrations.add(on(StoreOps.UPSERT_DEVICE, this::upsertDevice));
        registrations.add(on(StoreOps.FIND_DEVICE_CREDENTIAL, this::findDeviceCredential));
        registrations.add(on(StoreOps.BIND_DEVICE_SECRET, this::bindDeviceSecret));
        registrations.add(on(StoreOps.NOTE_LEGACY_DEVICE, this::noteLegacyDevice));
        registrations.add(on(StoreOps.ISSUE_DEVICE_SECRET, this::issueDeviceSecret));
        registrations.add(on(StoreOps.LIST_SESSIONS, this::listSessions));
        registrations.add(on(StoreOps.REVOKE_SESSIONS, this::revokeSessions));
        registrations.add(on(StoreOps.FIND_SESSION, this::findSession));
        registrations.add(on(StoreOps.SAVE_MESSAGES, this::saveMessages));
        registrations.add(on(StoreOps.SAVE_CONVERSATIONS, this::saveConversations));
        registrations.add(on(StoreOps.UPDATE_MESSAGE_STATUS, this::updateMessageStatus));
        registrations.add(on(StoreOps.LOAD_CONVERSATIONS, this::loadConversations));
        registrations.add(on(StoreOps.LOAD_THREADS, this::loadThreads));
        registrations.add(on(StoreOps.SCHEMA_VERSION, this::schemaVersion));
        registrations.add(on(StoreOps.ENQUEUE_COMMAND, this::enqueueCommand));
        registrations.add(on(StoreOps.OPEN_COMMANDS, this::openCommands));
        registrations.add(on(StoreOps.CONFIRM_COMMAND, this::confirmCommand));
        registrations.add(on(StoreOps.CLAIM_COMMAND, this::claimCommand));
        registrations.add(on(StoreOps.EXPIRE_COMMANDS, this::expireCommands));
        registrations.add(on(StoreOps.APPEND_EVENT, this::appendEvent));
        registrations.add(on(StoreOps.EVENTS_SINCE, this::eventsSince));
        registrations.add(on(StoreOps.LAST_SEQ, this::lastSeq));
        return Future.all(registrations)
                .onSuccess(v -> LOG.info("Persistence ready on {} (pool of {})", url, config.databasePoolSize()));
    }

    @Override
    public Future<?> stop() {
        if (pool == null) {
            return Future.succeededFuture();
        }
        // A draining node's last writes were acknowledged to nobody yet: let them commit first.
        Promise<Void> idle = Promise.promise();
        long deadline = System.nanoTime() + config.drain().toNanos();
        awaitIdle(idle, deadline);
        return idle.future().eventually(pool::close);
    }

    private void awaitIdle(Promise<Void> idle, long deadlineNanos) {
        if (inFlight == 0 || System.nanoTime() > deadlineNanos) {
            if (inFlight > 0) {
                LOG.warn("closing the database pool with {} operation(s) still running", inFlight);
            }
            idle.complete();
        } else {
            vertx.setTimer(20, id -> awaitIdle(idle, deadlineNanos));
        }
    }

    private Future<Void> on(String op, Function<JsonObject, Future<?>> handler) {
        return vertx.eventBus().<Object>localConsumer(StoreOps.address(op), msg -> handle(op, msg, handler)).completion();
    }

    private void handle(String op, Message<Object> msg, Function<JsonObject, Future<?>> handler) {
        Future<?> result;
        try {
            result = handler.apply(body(msg.body()));
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        inFlight++;
        result.onComplete(ar -> inFlight--);
        result.onSuccess(reply -> {
            failures.succeeded();
            msg.reply(reply);
        }).onFailure(error -> {
            int code = StoreFailures.code(error);
            if (code == FailureCodes.BAD_REQUEST) {
                LOG.info("store {} refused ({}): {}", op, code, StoreFailures.detail(error));
            } else {
                failures.failed(op, code, error.toString());
            }
            msg.fail(code, StoreFailures.text(error));
        });
    }

    private Future<Void> upsertDevice(JsonObject r) {
        Tuple args = Tuple.of(requireId(r, StoreOps.DEVICE_ID), StoreRequests.optionalString(r, StoreOps.DEVICE_NAME),
                StoreRequests.optionalString(r, StoreOps.DEVICE_MODEL));
        return pool.preparedQuery(StoreSql.UPSERT_DEVICE).execute(args).mapEmpty();
    }

    private Future<JsonObject> findDeviceCredential(JsonObject r) {
        return pool.preparedQuery(StoreSql.FIND_DEVICE_CREDENTIAL).execute(Tuple.of(requireId(r, StoreOps.DEVICE_ID)))
                .map(rows -> first(rows, row -> {
                    var hash = row.getBuffer("secret_hash");
                    return hash == null ? null : new JsonObject().put(StoreOps.SECRET_HASH, hash.getBytes())
                            .put(StoreOps.BOUND, row.getBoolean("bound")).put(StoreOps.LEGACY_NOTED, row.getBoolean("legacy_noted"));
                }));
    }

    private Future<Void> bindDeviceSecret(JsonObject r) {
        return pool.preparedQuery(StoreSql.BIND_DEVICE_SECRET).execute(Tuple.of(requireId(r, StoreOps.DEVICE_ID))).mapEmpty();
    }

    private Future<Boolean> noteLegacyDevice(JsonObject r) {
        return pool.preparedQuery(StoreSql.NOTE_LEGACY_DEVICE).execute(Tuple.of(requireId(r, StoreOps.DEVICE_ID)))
                .map(rows -> rows.size() == 1);
    }

    private Future<JsonObject> issueDeviceSecret(JsonObject r) {
        Tuple args = Tuple.of(requireId(r, StoreOps.DEVICE_ID), StoreRequests.requireSecretHash(r));
        return pool.preparedQuery(StoreSql.ISSUE_DEVICE_SECRET).execute(args)
                .map(rows -> new JsonObject().put(StoreOps.ISSUED, rows.size() == 1));
    }

    private Future<JsonArray> listSessions(JsonObject r) {
        return pool.preparedQuery(StoreSql.LIST_SESSIONS).execute(Tuple.of(requireId(r, StoreOps.DEVICE_ID))).map(rows -> {
            JsonArray sessions = new JsonArray();
            rows.forEach(row -> sessions.add(new JsonObject()
                    .put(StoreOps.SESSION_ID, row.getString("id"))
                    .put(StoreOps.CREATED_AT, Rows.instant(row, "created_at"))
                    .put(StoreOps.LAST_SEEN, Rows.instant(row, "last_seen"))
                    .put(StoreOps.EXPIRES_AT, Rows.instant(row, "expires_at"))));
            return sessions;
        });
    }

    private Future<JsonArray> revokeSessions(JsonObject r) {
        String deviceId = requireId(r, StoreOps.DEVICE_ID);
        UUID one = null;
        if (r.getValue(StoreOps.SESSION_ID) != null) {
            one = StoreRequests.uuidOrNull(r, StoreOps.SESSION_ID);
            if (one == null) {
                return Future.succeededFuture(new JsonArray()); // not a session id: matches nothing
            }
        }
        return pool.preparedQuery(StoreSql.REVOKE_SESSIONS).execute(Tuple.of(deviceId, one)).map(rows -> {
            JsonArray ids = new JsonArray();
            rows.forEach(row -> ids.add(row.getString("id")));
            return ids;
        });
    }

    private Future<JsonObject> findSession(JsonObject r) {
        UUID sessionId = StoreRequests.uuidOrNull(r, StoreOps.SESSION_ID);
        if (sessionId == null) {
            return Future.succeededFuture();
        }
        return pool.preparedQuery(StoreSql.FIND_SESSION).execute(Tuple.of(sessionId)).map(rows -> first(rows, Rows::session));
    }

    /** Stores a batch; with an {@code event}, also logs it in the same commit and answers its seq. */
    private Future<?> saveMessages(JsonObject r) {
        String deviceId = requireId(r, StoreOps.DEVICE_ID);
        JsonArray batch = StoreRequests.requireBatch(r, StoreOps.MESSAGES);
        if (r.getValue(StoreOps.EVENT) == null) {
            return messages.save(deviceId, batch);
        }
        return messages.saveAndLog(deviceId, batch, requireId(r, StoreOps.EVENT), requirePayload(r))
                .onSuccess(seq -> pruneIfDue(deviceId, seq));
    }

    private Future<Void> saveConversations(JsonObject r) {
        String deviceId = requireId(r, StoreOps.DEVICE_ID);
        JsonArray conversations = StoreRequests.requireBatch(r, StoreOps.CONVERSATIONS);
        if (conversations.isEmpty()) {
            return Future.succeededFuture();
        }
        return pool.preparedQuery(StoreSql.UPSERT_CONVERSATIONS).execute(DocumentBatches.conversations(deviceId, conversations)).mapEmpty();
    }

    private Future<Void> updateMessageStatus(JsonObject r) {
        Tuple args = Tuple.of(requireId(r, StoreOps.DEVICE_ID), requireId(r, StoreOps.MESSAGE_ID), requireId(r, StoreOps.STATUS));
        return pool.preparedQuery(StoreSql.UPDATE_MESSAGE_STATUS).execute(args).mapEmpty();
    }

    private Future<JsonArray> loadConversations(JsonObject r) {
        return pool.preparedQuery(StoreSql.LOAD_CONVERSATIONS).execute(Tuple.of(requireId(r, StoreOps.DEVICE_ID)))
                .map(rows -> {
                    JsonArray docs = new JsonArray();
                    rows.forEach(row -> docs.add(new JsonObject(row.getString("doc"))));
                    return docs;
                });
    }

    private Future<Boolean> enqueueCommand(JsonObject r) {
        Object payload = r.getValue(StoreOps.PAYLOAD);
        if (!(payload instanceof JsonObject json)) {
            throw new StoreFailures.BadRequest(StoreOps.PAYLOAD + " must be an object");
        }
        Tuple args = Tuple.of(requireId(r, StoreOps.DEVICE_ID), requireId(r, StoreOps.KEY), requireId(r, StoreOps.EVENT), json.encode());
        return pool.preparedQuery(StoreSql.ENQUEUE_COMMAND).execute(args).map(rows -> rows.rowCount() == 1);
    }

    private Future<JsonArray> openCommands(JsonObject r) {
        Tuple args = Tuple.of(requireId(r, StoreOps.DEVICE_ID), r.getBoolean(StoreOps.INCLUDE_DELIVERED, false));
        return pool.preparedQuery(StoreSql.OPEN_COMMANDS).execute(args).map(rows -> {
            JsonArray commands = new JsonArray();
            rows.forEach(row -> commands.add(new JsonObject().put(StoreOps.KEY, row.getString("key"))
                    .put(StoreOps.EVENT, row.getString("event")).put(StoreOps.PAYLOAD, new JsonObject(row.getString("payload")))));
            return commands;
        });
    }

    private Future<Void> confirmCommand(JsonObject r) {
        return pool.preparedQuery(StoreSql.CONFIRM_COMMAND)
                .execute(Tuple.of(requireId(r, StoreOps.DEVICE_ID), requireId(r, StoreOps.KEY))).mapEmpty();
    }

    private Future<JsonObject> claimCommand(JsonObject r) {
        Tuple args = Tuple.of(requireId(r, StoreOps.DEVICE_ID), requireId(r, StoreOps.KEY),
                StoreRequests.requireUuid(r, StoreOps.HANDOVER), r.getBoolean(StoreOps.REDELIVER, false));
        return pool.preparedQuery(StoreSql.CLAIM_COMMAND).execute(args).map(rows -> first(rows, row -> new JsonObject()
                .put(StoreOps.KEY, row.getString("key")).put(StoreOps.EVENT, row.getString("event"))
                .put(StoreOps.PAYLOAD, new JsonObject(row.getString("payload")))));
    }

    private Future<JsonArray> expireCommands(JsonObject r) {
        return pool.preparedQuery(StoreSql.EXPIRE_COMMANDS).execute(Tuple.of(StoreRequests.requireInstant(r, StoreOps.QUEUED_BEFORE)))
                .map(rows -> {
                    JsonArray expired = new JsonArray();
                    rows.forEach(row -> expired.add(new JsonObject().put(StoreOps.DEVICE_ID, row.getString("device_id"))
                            .put(StoreOps.KEY, row.getString("key")).put(StoreOps.EVENT, row.getString("event"))));
                    return expired;
                });
    }

    /** Events kept per device; pruned every {@value #PRUNE_EVERY} appends. */
    static final long EVENT_WINDOW = 10_000;
    private static final long PRUNE_EVERY = 500;

    private Future<Long> appendEvent(JsonObject r) {
        JsonObject payload = requirePayload(r);
        String deviceId = requireId(r, StoreOps.DEVICE_ID);
        return pool.preparedQuery(StoreSql.APPEND_EVENT).execute(Tuple.of(deviceId, requireId(r, StoreOps.EVENT), payload.encode()))
                .map(rows -> {
                    if (rows.rowCount() != 1) {
                        throw new StoreFailures.BadRequest("unknown device");
                    }
                    return rows.iterator().next().getLong("seq");
                })
                .onSuccess(seq -> pruneIfDue(deviceId, seq));
    }

    private static JsonObject requirePayload(JsonObject r) {
        if (!(r.getValue(StoreOps.PAYLOAD) instanceof JsonObject payload)) {
            throw new StoreFailures.BadRequest(StoreOps.PAYLOAD + " must be an object");
        }
        return payload;
    }

    /** Keeps the log to its window; best effort, in the background, every {@value #PRUNE_EVERY} events. */
    private void pruneIfDue(String deviceId, long seq) {
        if (seq % PRUNE_EVERY == 0 && seq > EVENT_WINDOW) {
            pool.preparedQuery(StoreSql.PRUNE_EVENTS).execute(Tuple.of(deviceId, seq - EVENT_WINDOW))
                    .onFailure(e -> LOG.warn("pruning the event log failed: {}", e.toString()));
        }
    }

    private Future<JsonArray> eventsSince(JsonObject r) {
        long since = r.getLong(StoreOps.SINCE, 0L);
        Tuple args = Tuple.of(requireId(r, StoreOps.DEVICE_ID), since, StoreRequests.requireLimit(r));
        return pool.preparedQuery(StoreSql.EVENTS_SINCE).execute(args).map(rows -> {
            JsonArray events = new JsonArray();
            rows.forEach(row -> events.add(new JsonObject().put(StoreOps.SEQ, row.getLong("seq"))
                    .put(StoreOps.EVENT, row.getString("event")).put(StoreOps.PAYLOAD, new JsonObject(row.getString("payload")))));
            return events;
        });
    }

    private Future<Long> lastSeq(JsonObject r) {
        return pool.preparedQuery(StoreSql.LAST_SEQ).execute(Tuple.of(requireId(r, StoreOps.DEVICE_ID)))
                .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong("last_seq"));
    }

    private Future<JsonArray> loadThreads(JsonObject r) {
        Tuple args = Tuple.of(requireId(r, StoreOps.DEVICE_ID), StoreRequests.requireLimit(r, StoreOps.THREADS),
                StoreRequests.requireLimit(r, StoreOps.LIMIT));
        return pool.preparedQuery(StoreSql.LOAD_THREADS).execute(args).map(rows -> {
            JsonArray threads = new JsonArray();
            JsonArray thread = null;
            String current = null;
            for (Row row : rows) {
                String key = row.getString("thread");
                if (thread == null || !java.util.Objects.equals(key, current)) {
                    thread = new JsonArray();
                    threads.add(thread);
                    current = key;
                }
                JsonObject doc = new JsonObject(row.getString("doc"));
                String status = row.getString("status");
                if (status != null) {
                    doc.put("status", status); // keeps the key where the phone put it
                }
                thread.add(doc);
            }
            return threads;
        });
    }

    private Future<String> schemaVersion(JsonObject r) {
        return pool.query(StoreSql.SCHEMA_VERSION).execute().map(rows -> {
            var it = rows.iterator();
            return it.hasNext() ? it.next().getString("version") : null;
        });
    }

    private static JsonObject first(RowSet<Row> rows, Function<Row, JsonObject> mapper) {
        var it = rows.iterator();
        return it.hasNext() ? mapper.apply(it.next()) : null;
    }

    /** Row → reply JSON, instants as ISO-8601 strings. */
    private static final class Rows {
        static JsonObject session(Row row) {
            return new JsonObject()
                    .put(StoreOps.SESSION_ID, row.getString("id"))
                    .put(StoreOps.DEVICE_ID, row.getString("device_id"))
                    .put(StoreOps.CREATED_AT, instant(row, "created_at"))
                    .put(StoreOps.EXPIRES_AT, instant(row, "expires_at"))
                    .put(StoreOps.REVOKED_AT, instant(row, "revoked_at"));
        }

        static String instant(Row row, String column) {
            OffsetDateTime value = row.getOffsetDateTime(column);
            return value == null ? null : value.toInstant().toString();
        }
    }
}
