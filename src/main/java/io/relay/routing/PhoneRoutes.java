package io.relay.routing;

import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.vocabulary.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The phones connected to this node, each with its route (where its commands go). The node holding a phone's socket is the one consumer of
 * {@link Addresses#phone}; browsers on any node <em>send</em> their commands there and learn from the
 * reply (or its absence) whether the phone got them.
 *
 * <p>Four kinds of message arrive there, named by the {@value #KIND_HEADER} header: a {@value #DELIVER}, a
 * browser's outbox command handed straight to the phone's node, {@code {"key": k, "command": {"event": name,
 * "payload": object}}}, answered {@code {"stored": true}} once that node stored it; a {@value #COMMAND} for the
 * phone, {@code {"event": name, "payload": object or null}}; a {@value #FLUSH} nudge (the phone's outbox has
 * news); a {@value #SETTLE} question from a browser's node about to read the phone's log; a {@value #TAKEOVER}
 * notice, {@code {"takenOverBy": socket id}}, from the phone's newer socket. A kind this node does not know is
 * refused, never emitted. Node-wide and thread-safe.
 *
 * <p>Mixed versions (a rolling deploy): nodes before {@value #DELIVER} read any kind they do not know as a
 * {@value #COMMAND} and emit its top-level {@code event} and {@code payload} to the phone. That is why a
 * deliver nests its command under {@code command}: such a node finds no event name, its emit fails before
 * anything is written to the socket (encoding a null event name throws), it answers the failure at once,
 * and the browser's node falls back to the outbox's store-and-nudge, which every version understands.
 */
public final class PhoneRoutes {
    private static final Logger log = LoggerFactory.getLogger(PhoneRoutes.class);

    /**
     * How long a command waits for the phone's node to answer. That node answers once it has emitted to
     * the socket, behind what the phone's queue holds, so a busy phone or a stale route (a subscription
     * a node still believes in after the phone left) ends in a timeout the caller only logs.
     */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(3);
    public static final String NOT_CONNECTED = "Mobile device not connected";
    public static final String NO_ANSWER = "Mobile device did not answer in time";
    /** Header naming the kind of a message on a phone's address, as {@link WebFanout#EVENT_HEADER} names a browser event. */
    static final String KIND_HEADER = "kind";
    /** Kind of a browser's command for the phone. */
    static final String COMMAND = "command";
    /**
     * Kind of a browser's outbox command sent straight to the phone's node, which stores it as handed over
     * and emits it in one step (see {@link Commands#deliver}). Never emitted as it arrives.
     */
    static final String DELIVER = "deliver";
    /** Kind of a nudge: hand the phone its outbox (never emitted to the phone itself). */
    static final String FLUSH = "flush";
    /**
     * Kind of a browser node's question before it reads the phone's log: answered {@code {"seq": n}} once
     * every event the phone's node relayed before it is stored (or failed), {@code n} the last number handed
     * out (see {@link Commands#settled}).
     */
    static final String SETTLE = "settle";
    /** Kind of the notice a phone's new socket publishes to its address: every other route of the phone goes. */
    static final String TAKEOVER = "takeover";
    /** Field of a takeover notice: the id of the socket that stays. */
    private static final String TAKEN_OVER_BY = "takenOverBy";
    /** Failure code of a command whose phone's socket closed on the node that holds the route. */
    private static final int GONE = 404;
    /** Failure code of a message whose kind this node does not know (a newer node's): nothing was done. */
    private static final int UNKNOWN_KIND = 501;
    /** Failure code of a deliver that the phone's node could not store. */
    private static final int NOT_STORED = 503;
    /** Field of a deliver's answer: the phone's node stored the command (and emitted it or queued it in order). */
    private static final String STORED = "stored";

    private final Vertx vertx;
    private final Map<String, Attached> phones = new HashMap<>(); // guarded by this

    public PhoneRoutes(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * What the phone's node does with what browsers send the phone; both run on the phone socket's
     * context. Commands must reach the phone in the order each browser sent them, whichever path they
     * took (a send or read mark stored in the outbox, a sync request sent straight here).
     */
    public interface Commands {
        /** The phone's outbox has news: hand it over. */
        void flush();

        /** Emits {@code event} to the phone after everything browsers stored for it before; completes once emitted. */
        Future<Void> emit(String event, JsonObject payload);

        /**
         * Stores a browser's outbox command as handed to the phone and emits it (or, behind older pending
         * commands, stores it pending and hands them all over); completes once it is stored.
         */
        Future<Void> deliver(String key, String event, JsonObject payload);

        /** Completes with the last number handed out once every event relayed so far is stored (or failed). */
        default Future<Long> settled() {
            return Future.succeededFuture(-1L);
        }
    }

    /**
     * Makes the socket the phone's route, replacing an earlier socket of the same phone (a reconnect whose
     * old socket has not timed out yet): here at once, and on other nodes by a takeover notice published on
     * the phone's address, since with a balancer the reconnect usually lands on another node. Without it the
     * old route would keep taking every other command, emitting it into a dead socket. Completes once the
     * route is registered and the notice is out.
     */
    public Future<Void> attach(String deviceId, SocketIoSocket socket, Commands commands) {
        MessageConsumer<JsonObject> consumer;
        // Completes once the route is known to the cluster, or once a newer socket of this device replaced it
        // here: a consumer unregistered while its registration is still under way may never report it, and the
        // phones of a racing register (several sockets, one deviceId) must each get their answer.
        Promise<Void> settled = Promise.promise();
        synchronized (this) {
            Attached old = phones.remove(deviceId);
            if (old != null) {
                old.consumer.unregister();
                old.settled.tryComplete();
            }
            consumer = vertx.eventBus().consumer(Addresses.phone(deviceId), message -> {
                String kind = kindOf(message);
                switch (kind) {
                    case COMMAND, FLUSH, DELIVER -> handOn(socket, message, kind, commands);
                    case SETTLE -> commands.settled().onComplete(ar ->
                            message.reply(new JsonObject().put("seq", ar.succeeded() ? ar.result() : -1L)));
                    case TAKEOVER -> {
                        if (!socket.id().equals(message.body().getString(TAKEN_OVER_BY))) {
                            detach(deviceId, socket).onSuccess(gone -> {
                                if (gone) {
                                    log.info("phone route taken over by a newer socket device={} socket={}", deviceId, socket.id());
                                }
                            });
                        }
                    }
                    // A newer node's kind: emitting it as a command could send the phone what it must not get.
                    default -> message.fail(UNKNOWN_KIND, "Unknown kind of phone message: " + kind);
                }
            });
            phones.put(deviceId, new Attached(socket, consumer, commands, settled));
        }
        consumer.completion().onComplete(registered -> {
            if (registered.succeeded() && isCurrent(deviceId, consumer)) {
                vertx.eventBus().publish(Addresses.phone(deviceId), new JsonObject().put(TAKEN_OVER_BY, socket.id()),
                        new DeliveryOptions().addHeader(KIND_HEADER, TAKEOVER));
                settled.tryComplete();
            } else if (registered.succeeded()) {
                settled.tryComplete(); // replaced here meanwhile: the newer socket announces itself
            } else if (!settled.tryFail(registered.cause())) {
                log.debug("route registration ended after a newer socket took over device={} socket={}: {}", deviceId, socket.id(),
                        registered.cause().getMessage());
            }
        });
        return settled.future();
    }

    private synchronized boolean isCurrent(String deviceId, MessageConsumer<JsonObject> consumer) {
        Attached current = phones.get(deviceId);
        return current != null && current.consumer == consumer;
    }

    /**
     * Drops the route if it still belongs to this socket. Completes with true when it did (the phone is
     * now offline here), once the cluster knows the route is gone: a browser told "disconnected" after
     * this gets "not connected" for its next command, not a wait for a route that leads nowhere.
     */
    public Future<Boolean> detach(String deviceId, SocketIoSocket socket) {
        Attached gone;
        synchronized (this) {
            Attached current = phones.get(deviceId);
            if (current == null || current.socket != socket) {
                return Future.succeededFuture(false);
            }
            gone = phones.remove(deviceId);
        }
        gone.settled.tryComplete();
        return gone.consumer.unregister().otherwiseEmpty().map(true);
    }

    public synchronized boolean connectedHere(String deviceId) {
        return phones.containsKey(deviceId);
    }

    /**
     * Completes once every event the phone's node relayed so far is stored (or its write failed), so that a
     * read of the phone's log after it finds each of them: relayed before it is written, an event could
     * otherwise reach no browser that is only subscribing, and be missing from what it reads. Completes as well
     * when no node holds the phone (whatever a node relayed, it waited for before letting the route go), when
     * the phone's node does not answer in time (a node that died took its unstored events with it: they are
     * never stored, and their numbers are skipped), or does not know the question (a node of the version
     * before, which stores before it relays).
     */
    public Future<Void> settled(String deviceId) {
        return vertx.eventBus().request(Addresses.phone(deviceId), new JsonObject(),
                        new DeliveryOptions().addHeader(KIND_HEADER, SETTLE).setSendTimeout(COMMAND_TIMEOUT.toMillis()))
                .<Void>mapEmpty()
                .otherwise(e -> {
                    if (!(e instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS)) {
                        log.debug("settle not answered device={}: {}", deviceId, e.getMessage());
                    }
                    return null;
                });
    }

    /**
     * Sends a command to the phone wherever it is connected. Fails with {@link NotReached}
     * {@value #NOT_CONNECTED} when no node holds the phone.
     */
    public Future<Void> command(String deviceId, String event, JsonObject payload) {
        JsonObject body = new JsonObject().put("event", event).put("payload", payload);
        return vertx.eventBus().request(Addresses.phone(deviceId), body,
                        new DeliveryOptions().addHeader(KIND_HEADER, COMMAND).setSendTimeout(COMMAND_TIMEOUT.toMillis()))
                .<Void>mapEmpty()
                .recover(PhoneRoutes::<Void>explain);
    }

    /**
     * Hands a browser's outbox command to the phone's node, wherever it is, which stores it as handed over
     * and emits it (see {@link Commands#deliver}). Completes once that node answered that the command is
     * stored; fails when no node holds the phone ({@link NotReached} {@value #NOT_CONNECTED}), when the
     * phone's node did not answer in time, could not store it, or does not know this kind (a node of the
     * version before). On any failure the command may or may not be stored: the caller queues it by key,
     * which stores it at most once.
     */
    public Future<Void> deliver(String deviceId, String key, String event, JsonObject payload) {
        JsonObject body = new JsonObject().put("key", key).put("command", new JsonObject().put("event", event).put("payload", payload));
        return vertx.eventBus().<JsonObject>request(Addresses.phone(deviceId), body,
                        new DeliveryOptions().addHeader(KIND_HEADER, DELIVER).setSendTimeout(COMMAND_TIMEOUT.toMillis()))
                .recover(PhoneRoutes::explain)
                .compose(reply -> reply.body() != null && Boolean.TRUE.equals(reply.body().getValue(STORED))
                        ? Future.<Void>succeededFuture()
                        : Future.failedFuture(new NotReached("The mobile device's node did not say it stored the command")));
    }

    /**
     * A command did not reach the phone. Its caller only logs it (a browser's sync request is answered from
     * storage whatever the phone does; what must reach the phone waits in the outbox), so no client is ever
     * told of it and it has no {@link io.relay.vocabulary.FailureReason}.
     */
    public static final class NotReached extends RuntimeException {
        NotReached(String message) {
            super(message, null, false, false);
        }
    }

    private static <T> Future<T> explain(Throwable failure) {
        if (failure instanceof ReplyException reply) {
            return Future.failedFuture(new NotReached(switch (reply.failureType()) {
                case NO_HANDLERS -> NOT_CONNECTED;
                case TIMEOUT -> NO_ANSWER;
                case RECIPIENT_FAILURE -> reply.failureCode() == GONE ? NOT_CONNECTED : "Could not reach the mobile device";
                case ERROR -> "Could not reach the mobile device";
            }));
        }
        return Future.failedFuture(failure);
    }

    /**
     * Tells the phone's node, wherever it is, that the phone has new commands in its outbox. Fire and
     * forget: when no node holds the phone, the commands wait for its next register.
     */
    public void nudge(String deviceId) {
        nudge(deviceId, 0);
    }

    /**
     * A nudge waits for the phone's node to take it: one that goes astray on a stale route (a registration
     * of a node that is gone or no longer holds the phone, as after a partition or a crash) costs a timeout
     * and is sent again, by which time the route is fixed. No handler at all means the phone is offline:
     * its next register hands the commands over.
     */
    private void nudge(String deviceId, int attempt) {
        vertx.eventBus().request(Addresses.phone(deviceId), new JsonObject().put("event", FLUSH_EVENT),
                        new DeliveryOptions().addHeader(KIND_HEADER, FLUSH).setSendTimeout(COMMAND_TIMEOUT.toMillis()))
                .onFailure(failure -> {
                    boolean astray = failure instanceof ReplyException reply
                            && (reply.failureType() == ReplyFailure.TIMEOUT || reply.failureType() == ReplyFailure.ERROR);
                    if (astray && attempt < NUDGE_RETRIES) {
                        log.info("outbox nudge went astray device={} attempt={}: {}; sending it again", deviceId, attempt + 1, failure.getMessage());
                        vertx.setTimer(1_000L << attempt, id -> nudge(deviceId, attempt + 1));
                    }
                });
    }

    /** Nudges sent again after a timeout: 1, 2, 4, 8, 16 s apart, past Hazelcast's failure detection (5 s). */
    static final int NUDGE_RETRIES = 5;

    /**
     * The body of a nudge, for nodes of the version before {@link #KIND_HEADER}, which tell a nudge from a
     * command by this event name (and a takeover by its field).
     */
    private static final String FLUSH_EVENT = "relay:outbox-flush";

    /** The message's kind; one without the header comes from a node of the version before it. */
    private static String kindOf(Message<JsonObject> message) {
        String kind = message.headers().get(KIND_HEADER);
        if (kind != null) {
            return kind;
        }
        return message.body().containsKey(TAKEN_OVER_BY) ? TAKEOVER
                : FLUSH_EVENT.equals(message.body().getString("event")) ? FLUSH : COMMAND;
    }

    private static void handOn(SocketIoSocket socket, Message<JsonObject> message, String kind, Commands commands) {
        JsonObject body = message.body();
        socket.runOnContext(v -> {
            if (!socket.connected()) {
                message.fail(GONE, NOT_CONNECTED);
                return;
            }
            switch (kind) {
                case FLUSH -> {
                    commands.flush();
                    message.reply(null);
                }
                case DELIVER -> {
                    JsonObject command = body.getJsonObject("command", new JsonObject());
                    commands.deliver(body.getString("key"), command.getString("event"), command.getJsonObject("payload"))
                            .onComplete(stored -> {
                                if (stored.succeeded()) {
                                    message.reply(new JsonObject().put(STORED, true));
                                } else {
                                    message.fail(NOT_STORED, String.valueOf(stored.cause().getMessage()));
                                }
                            });
                }
                default -> commands.emit(body.getString("event"), body.getJsonObject("payload")).onComplete(emitted -> {
                    if (emitted.succeeded()) {
                        message.reply(null);
                    } else {
                        message.fail(GONE, NOT_CONNECTED);
                    }
                });
            }
        });
    }

    /** Phones connected to this node. */
    public synchronized java.util.List<String> localDevices() {
        return java.util.List.copyOf(phones.keySet());
    }

    /**
     * Has every phone on this node handed its outbox, as a nudge would: for when nudges may have been lost
     * (sent while this node was cut off from the browsers' nodes, the phone's route unknown over there).
     */
    public void flushAll() {
        java.util.List<Attached> all;
        synchronized (this) {
            all = java.util.List.copyOf(phones.values());
        }
        for (Attached attached : all) {
            attached.socket.runOnContext(v -> attached.commands.flush());
        }
    }

    private record Attached(SocketIoSocket socket, MessageConsumer<JsonObject> consumer, Commands commands, Promise<Void> settled) {
    }
}
