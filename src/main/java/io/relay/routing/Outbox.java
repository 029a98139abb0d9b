package io.relay.routing;

import io.relay.ops.Metrics;
import io.relay.store.Store;
import io.relay.store.StoreException;
import io.relay.vocabulary.FailureReason;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser → phone commands that survive the phone being away. A command is stored first (and only then
 * acknowledged to the browser), then handed to the phone, in the order each browser sent them.
 *
 * <p>When the phone is online, in one hop: the browser's node sends the command to the phone's node
 * ({@link PhoneRoutes#deliver}), which, in the phone's socket queue, stores it as handed over by a fresh
 * attempt in one write through the group commit ({@link Store#deliverCommand}), emits it only once that
 * committed, and answers "stored"; then the browser is acknowledged. When the device still has older
 * pending commands, the command is stored pending behind them and the ordinary hand-over sends them all, in
 * order. When that hop fails (the phone offline, its node silent, gone, of an older version, or its storage
 * failing), the browser's node queues the command itself (idempotent by key, so one the phone's node did
 * store is not queued twice) and nudges the phone's node; then the hand-over runs there at once, or as soon
 * as the phone registers again. A browser's commands are handled one after another (its socket queue waits
 * for each acknowledgement), so its next command is sent only once the previous one is stored, whichever
 * path each took.
 *
 * <p>Every hand-over of one phone's commands runs in that phone's socket queue, so two attempts can
 * never send the same command twice. A command handed over is not handed over again to the original
 * app (it cannot tell a repeat from a new SMS); a phone that declares {@code confirmsCommands} in its
 * {@code mobile:register} gets handed-over but unconfirmed commands again after a reconnect, and
 * confirms them with {@code message:sent} or {@code mobile:message-status} naming the tempId. A command
 * still undelivered after the outbox TTL expires, and the browsers hear {@code message:status failed}.
 *
 * <p>Each hand-over attempt of a command has an id, stored with the "delivered" record. When that
 * record fails with an unknown outcome (a database that hung past the request timeout may still commit
 * it later), the node remembers the attempt; its next hand-over for that phone claims the command with
 * the same id, which succeeds only if the row is delivered by that very attempt, which this node never
 * emitted: then it emits it, once. Without this, a late commit would leave the command marked delivered
 * but never sent, and the original app would never get it. A one-hop record that failed so is first
 * queued again by key before that claim: the queueing waits for the hung insert to end either way, where
 * the claim alone would find no row yet and give the attempt up.
 */
final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    /** First pause before a hand-over that failed on storage is tried again; doubled up to the max. */
    static final long FIRST_RETRY_MS = 500;
    static final long MAX_RETRY_MS = 30_000;
    /**
     * How long a settled command (delivered, done, expired) is kept: while it is, a browser's retried send
     * with the same tempId is recognised and not sent twice. Then it is deleted, so the outbox stays the size
     * of a week of sends instead of growing for as long as the relay runs.
     */
    static final Duration SETTLED_KEPT = Duration.ofDays(7);
    /**
     * Settled commands deleted per sweep at most (the store's largest batch, which it refuses to exceed): a first sweep over a
     * long backlog stays a short statement.
     */
    static final int PRUNE_BATCH = Store.MAX_LOAD;

    private final Vertx vertx;
    private final String nodeId;
    private final Store store;
    private final PhoneRoutes routes;
    private final WebFanout fanout;
    private final Metrics metrics;
    private final Duration ttl;
    private final Duration sweepEvery;
    private long sweeper = -1;
    /** Per phone: commands whose "delivered" record failed with an unknown outcome, key → that attempt, oldest first. */
    private final Map<String, Map<String, Unsure>> unsure = new ConcurrentHashMap<>();

    /** An attempt whose record has an unknown outcome; {@code command} ({key, event, payload}) when it was a one-hop insert. */
    private record Unsure(String attempt, JsonObject command) {
    }

    Outbox(Vertx vertx, String nodeId, Store store, PhoneRoutes routes, WebFanout fanout, Metrics metrics, Duration ttl) {
        this(vertx, nodeId, store, routes, fanout, metrics, ttl, sweepEvery(ttl));
    }

    /** With its own time between sweeps: for tests, which cannot wait a sweep of the production timer. */
    Outbox(Vertx vertx, String nodeId, Store store, PhoneRoutes routes, WebFanout fanout, Metrics metrics, Duration ttl, Duration sweepEvery) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.store = store;
        this.routes = routes;
        this.fanout = fanout;
        this.metrics = metrics;
        this.ttl = ttl;
        this.sweepEvery = sweepEvery;
    }

    /** A quarter of the TTL, so an expired command is reported at most that late; never more often than once a second nor less than every 30 s. */
    private static Duration sweepEvery(Duration ttl) {
        return Duration.ofMillis(Math.max(1_000, Math.min(30_000, ttl.toMillis() / 4)));
    }

    void start() {
        sweeper = vertx.setPeriodic(sweepEvery.toMillis(), id -> sweep());
    }

    void stop() {
        if (sweeper != -1) {
            vertx.cancelTimer(sweeper);
        }
    }

    /**
     * On the browser's node: hands the command to the phone's node in one hop, or, when that fails for any
     * reason, stores it here (idempotent by key) and nudges the phone's node. Completes once stored.
     */
    Future<Void> submit(String deviceId, String key, String event, JsonObject payload) {
        return routes.deliver(deviceId, key, event, payload).transform(direct -> {
            if (direct.succeeded()) {
                return Future.<Void>succeededFuture();
            }
            log.debug("command queued, not delivered in one hop node={} device={} event={}: {}", nodeId, deviceId, event,
                    direct.cause().getMessage());
            return queue(deviceId, key, event, payload);
        });
    }

    private Future<Void> queue(String deviceId, String key, String event, JsonObject payload) {
        return store.enqueueCommand(deviceId, key, event, payload).map(fresh -> {
            if (!fresh) {
                log.info("command already queued node={} device={} event={}", nodeId, deviceId, event);
            }
            // Not awaited: the phone may be away, which is what the outbox is for.
            routes.nudge(deviceId);
            return null;
        });
    }

    /**
     * On the phone's node, in the phone's socket queue: stores a browser's command as handed over by a fresh
     * attempt in one write and, once that committed, emits it; behind older pending commands it is stored
     * pending and the outbox handed over; a key already stored is not emitted again. Completes once the
     * command is stored (whatever the hand-over behind it does); fails when it may not be, and then the
     * browser's node queues it.
     */
    Future<Void> deliver(Client client, String key, String event, JsonObject payload) {
        String deviceId = client.phoneDeviceId();
        if (deviceId == null || !client.socket().connected()) {
            return Future.failedFuture(new PhoneRoutes.NotReached(PhoneRoutes.NOT_CONNECTED));
        }
        // Attempts with an unknown outcome are older than this command: settled first, or this one would overtake them.
        Future<Void> before = unsureAttempts(deviceId).isEmpty() ? Future.succeededFuture() : handOver(client);
        String attempt = UUID.randomUUID().toString();
        return before.compose(v -> store.deliverCommand(deviceId, key, event, payload, attempt)
                .onFailure(e -> {
                    if (e instanceof StoreException refused && refused.reason() == FailureReason.INVALID_DATA) {
                        return; // refused as it stands: nothing was stored, nor ever will be
                    }
                    remember(deviceId, key, new Unsure(attempt, new JsonObject().put("event", event).put("payload", payload)));
                    // Settled by this node even if the browser's node cannot queue it (storage down there too).
                    vertx.setTimer(FIRST_RETRY_MS, id -> client.runQueuedCommand(() -> flush(client)));
                })
                .compose(delivery -> switch (delivery) {
                    case DELIVERED -> {
                        // A socket that closed in this instant loses it, as it would have lost an emit to a dead socket.
                        client.socket().emit(event, payload);
                        metrics.messagesRelayed("to_phone", 1);
                        yield Future.<Void>succeededFuture();
                    }
                    // Stored: the hand-over (which retries by itself) sends what waits, this one in its turn.
                    case QUEUED, DUPLICATE -> flush(client).otherwiseEmpty();
                }));
    }

    /**
     * Hands the phone its open commands; run in the phone's socket queue only. When storage fails
     * midway, the rest stays pending and the hand-over is tried again while the phone stays connected:
     * the browsers were told those commands are stored, and nothing else may come to nudge them out.
     */
    Future<Void> flush(Client client) {
        return flush(client, FIRST_RETRY_MS);
    }

    private Future<Void> flush(Client client, long retryInMs) {
        return handOver(client).recover(error -> {
            if (client.socket().connected()) {
                long next = Math.min(MAX_RETRY_MS, retryInMs * 2);
                vertx.setTimer(retryInMs, id -> client.runQueuedCommand(() -> flush(client, next)));
            }
            return Future.failedFuture(error);
        });
    }

    private Future<Void> handOver(Client client) {
        String deviceId = client.phoneDeviceId();
        if (deviceId == null || !client.socket().connected()) {
            return Future.succeededFuture();
        }
        boolean redeliver = client.phoneConfirmsCommands();
        return store.openCommands(deviceId, redeliver).compose(commands -> {
            // Attempts with an unknown outcome first: they are older than anything still pending behind them.
            Map<String, Unsure> attempts = unsureAttempts(deviceId);
            List<String> keys = new ArrayList<>(attempts.keySet());
            for (int i = 0; i < commands.size(); i++) {
                String key = commands.getJsonObject(i).getString("key");
                if (!attempts.containsKey(key)) {
                    keys.add(key);
                }
            }
            Future<Integer> handed = Future.succeededFuture(0);
            for (String key : keys) {
                Unsure earlier = attempts.get(key);
                String attempt = earlier == null ? UUID.randomUUID().toString() : earlier.attempt();
                handed = handed.compose(count -> requeue(deviceId, key, earlier)
                        .compose(v -> handOne(client, deviceId, key, attempt, redeliver))
                        .map(sent -> sent ? count + 1 : count));
            }
            return handed.map(count -> {
                if (count > 0) {
                    log.info("commands handed to phone node={} device={} count={}", nodeId, deviceId, count);
                }
                return null;
            });
        });
    }

    /**
     * A one-hop record with an unknown outcome is queued again by key before it is claimed: the insert waits
     * for a hung insert of that key to end, so the claim then finds the row as that one left it.
     */
    private Future<Void> requeue(String deviceId, String key, Unsure earlier) {
        if (earlier == null || earlier.command() == null) {
            return Future.succeededFuture();
        }
        JsonObject command = earlier.command();
        return store.enqueueCommand(deviceId, key, command.getString("event"), command.getJsonObject("payload")).mapEmpty();
    }

    /**
     * Recorded as delivered first, emitted only then: if the record fails (the database went away), the
     * command was never sent, so a later hand-over sends it once (claiming it again under the same
     * attempt id, in case the failed record committed after all). Emitting first would send it again
     * then, and the original app cannot tell a repeat from a new SMS.
     */
    private Future<Boolean> handOne(Client client, String deviceId, String key, String attempt, boolean redeliver) {
        if (!client.socket().connected()) {
            return Future.succeededFuture(false);
        }
        return store.claimCommand(deviceId, key, attempt, redeliver)
                .onFailure(e -> remember(deviceId, key, new Unsure(attempt, null)))
                .map(claimed -> {
                    forget(deviceId, key);
                    if (claimed.isEmpty()) {
                        return false; // done, expired, or handed over by another attempt meanwhile
                    }
                    JsonObject command = claimed.get();
                    // A socket that closed in this instant loses it, as it would have lost an emit to a dead socket.
                    client.socket().emit(command.getString("event"), command.getJsonObject("payload"));
                    metrics.messagesRelayed("to_phone", 1);
                    return true;
                });
    }

    private void remember(String deviceId, String key, Unsure attempt) {
        unsure.compute(deviceId, (d, attempts) -> {
            Map<String, Unsure> kept = attempts == null ? new LinkedHashMap<>() : attempts;
            kept.putIfAbsent(key, attempt);
            return kept;
        });
    }

    private void forget(String deviceId, String key) {
        unsure.computeIfPresent(deviceId, (d, attempts) -> {
            attempts.remove(key);
            return attempts.isEmpty() ? null : attempts;
        });
    }

    /** A copy, oldest first; the map's compute methods are what guard each phone's entry. */
    private Map<String, Unsure> unsureAttempts(String deviceId) {
        Map<String, Unsure> copy = new LinkedHashMap<>();
        unsure.computeIfPresent(deviceId, (d, attempts) -> {
            copy.putAll(attempts);
            return attempts;
        });
        return copy;
    }

    /** The phone reported on a command (its tempId): it is done and never handed over again. */
    Future<Void> confirm(String deviceId, String key) {
        return store.confirmCommand(deviceId, key);
    }

    private void sweep() {
        Instant now = Instant.now();
        store.expireCommands(now.minus(ttl)).onSuccess(this::tellExpired)
                .compose(v -> store.pruneCommands(now.minus(SETTLED_KEPT), PRUNE_BATCH))
                .onSuccess(pruned -> {
                    if (pruned > 0) {
                        log.info("outbox pruned node={} settled={} keptFor={}", nodeId, pruned, SETTLED_KEPT);
                    }
                })
                .onFailure(e -> log.warn("outbox sweep failed node={}: {}", nodeId, e.getMessage()));
    }

    private void tellExpired(JsonArray expired) {
        for (int i = 0; i < expired.size(); i++) {
            JsonObject command = expired.getJsonObject(i);
            String deviceId = command.getString("deviceId");
            String key = command.getString("key");
            forget(deviceId, key);
            log.info("command expired undelivered node={} device={} event={}", nodeId, deviceId, command.getString("event"));
            if (Events.SEND_MESSAGE.equals(command.getString("event"))) {
                fanout.publish(deviceId, Events.MESSAGE_STATUS,
                        new JsonObject().put("messageId", key).put("tempId", key).put("status", "failed")
                                .put("error", "The phone stayed offline; the message was not sent"));
            }
        }
    }
}
