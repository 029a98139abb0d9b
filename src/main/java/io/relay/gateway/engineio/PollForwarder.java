package io.relay.gateway.engineio;

import io.relay.vocabulary.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes long-polling work behind a load balancer without sticky sessions. Socket.IO's own servers
 * need stickiness because every request of a polling socket must reach the process that holds it.
 * Here the session id names its node, so a request that lands elsewhere is forwarded to the owner
 * over the event bus and the owner's answer is written back to the client.
 *
 * <p>A forwarded request waits for the owner's reply, and the event bus never fails a request whose
 * recipient died after receiving it: a long-poll would hang until its timeout (a ping interval plus
 * a ping timeout, 90 s by default) and the client with it. So when a node leaves the cluster, the
 * requests waiting on it are answered "Session ID unknown" at once, and again a few seconds later for
 * any sent in the meantime, while the bus still knew the dead node's address: the client reconnects,
 * through the balancer, to a node that is alive.
 *
 * <p>A WebSocket upgrade cannot be forwarded this way; one that lands on another node is refused,
 * and the official client then simply stays on polling (a fresh WebSocket connection, as the apps
 * open, needs no forwarding at all).
 */
final class PollForwarder {
    private static final Logger log = LoggerFactory.getLogger(PollForwarder.class);

    private static final String GET = "get";
    private static final String POST = "post";
    private static final String ABORT = "abort";
    private static final String TOO_LARGE = "too-large";
    /**
     * When requests waiting on a node that left are given up: at once, then for requests forwarded while the
     * bus still routed to the dead node (until it drops the node's addresses, soon after the departure).
     */
    private static final long[] GIVE_UP_AFTER_MS = {0, 1_000, 5_000};
    /** How long stopping waits for forwarded POSTs to be answered (they take milliseconds). */
    private static final long STOP_WAIT_MS = 2_000;

    private final Vertx vertx;
    private final EngineIoOptions options;
    private final EngineIoRegistry registry;
    /** Owner side: forwarded GETs waiting for data, by forward id, so a client abort can find its GET. */
    private final Map<String, BusResponder> waiting = new ConcurrentHashMap<>();
    /** Forwarding side: requests sent to an owner and not answered yet. */
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
    private MessageConsumer<JsonObject> consumer;
    private MessageConsumer<String> nodeLeft;

    PollForwarder(Vertx vertx, EngineIoOptions options, EngineIoRegistry registry) {
        this.vertx = vertx;
        this.options = options;
        this.registry = registry;
    }

    /** The node that owns a session id, or null when the id has no node prefix. */
    static String ownerOf(String sid) {
        int separator = sid.indexOf(EngineIoServer.SID_SEPARATOR);
        return separator > 0 ? sid.substring(0, separator) : null;
    }

    boolean ownedElsewhere(String sid) {
        String owner = ownerOf(sid);
        return owner != null && !owner.equals(options.nodeId());
    }

    Future<Void> start() {
        consumer = vertx.eventBus().consumer(Addresses.engineIoNode(options.nodeId()), this::onForwarded);
        nodeLeft = vertx.eventBus().localConsumer(Addresses.nodeLeft(), message -> ownerLeft(message.body()));
        return Future.all(consumer.completion(), nodeLeft.completion()).mapEmpty();
    }

    /**
     * The node drains. Long-polls it forwards for other nodes' sessions are answered with a noop, so their
     * clients simply poll again, through the balancer, to a node that stays (whose GET then supersedes the one
     * the owner still holds); forwarded POSTs are given a moment to finish. Nobody else's session is lost.
     */
    Future<Void> stop() {
        inFlight.stream().filter(InFlight::get).forEach(f -> {
            inFlight.remove(f);
            f.answer(200, PollResponder.TEXT_PLAIN, String.valueOf(EngineIoCodec.NOOP));
        });
        Promise<Void> posts = Promise.promise();
        long deadline = System.currentTimeMillis() + STOP_WAIT_MS;
        if (inFlight.isEmpty()) {
            posts.complete();
        } else {
            vertx.setPeriodic(20, timer -> {
                if (inFlight.isEmpty() || System.currentTimeMillis() > deadline) {
                    vertx.cancelTimer(timer);
                    posts.tryComplete();
                }
            });
        }
        return posts.future().compose(v -> Future.all(
                consumer == null ? Future.succeededFuture() : consumer.unregister(),
                nodeLeft == null ? Future.succeededFuture() : nodeLeft.unregister()).mapEmpty());
    }

    // ------------------------------------------------------------------ the node that got the request

    void forwardGet(RoutingContext ctx, PollResponder responder, String sid, String transport) {
        String forwardId = UUID.randomUUID().toString();
        AtomicBoolean answered = new AtomicBoolean();
        ctx.response().closeHandler(v -> {
            if (!answered.get()) {
                vertx.eventBus().send(Addresses.engineIoNode(ownerOf(sid)), request(ABORT, sid, transport).put("forwardId", forwardId));
            }
        });
        // The owner answers a waiting GET at the latest with its next ping.
        Duration patience = options.pingInterval().plus(options.pingTimeout()).plusSeconds(5);
        JsonObject get = request(GET, sid, transport).put("forwardId", forwardId);
        String requestId = ctx.request().getParam(EngineIoServer.REQUEST_ID);
        if (requestId != null) {
            get.put("requestId", requestId);
        }
        forward(get, patience, responder, answered, true);
    }

    void forwardPost(PollResponder responder, String sid, String transport, String body) {
        forward(request(POST, sid, transport).put("body", body), options.pingTimeout(), responder, new AtomicBoolean(), false);
    }

    void forwardTooLarge(String sid, String transport) {
        vertx.eventBus().send(Addresses.engineIoNode(ownerOf(sid)), request(TOO_LARGE, sid, transport));
    }

    private void forward(JsonObject request, Duration timeout, PollResponder responder, AtomicBoolean answered, boolean get) {
        String sid = request.getString("sid");
        InFlight pending = new InFlight(ownerOf(sid), sid, get, responder, answered);
        inFlight.add(pending);
        vertx.eventBus().<JsonObject>request(Addresses.engineIoNode(pending.owner), request,
                        new DeliveryOptions().setSendTimeout(timeout.toMillis()))
                .onComplete(ar -> {
                    inFlight.remove(pending);
                    if (ar.succeeded()) {
                        JsonObject reply = ar.result().body();
                        pending.answer(reply.getInteger("status"), reply.getString("type"), reply.getString("body"));
                    } else {
                        log.info("polling request for sid={} could not reach its node: {}", sid, ar.cause().getMessage());
                        pending.ownerGone();
                    }
                });
    }

    /** A node left the cluster: the requests waiting on it will never be answered by it. */
    private void ownerLeft(String owner) {
        for (long delay : GIVE_UP_AFTER_MS) {
            if (delay == 0) {
                giveUp(owner);
            } else {
                vertx.setTimer(delay, t -> giveUp(owner));
            }
        }
    }

    private void giveUp(String owner) {
        List<InFlight> lost = inFlight.stream().filter(f -> f.owner.equals(owner)).toList();
        if (!lost.isEmpty()) {
            log.info("node {} left the cluster: answering {} polling request(s) that waited on it", owner, lost.size());
        }
        lost.forEach(f -> {
            inFlight.remove(f);
            f.ownerGone();
        });
    }

    private static JsonObject request(String op, String sid, String transport) {
        return new JsonObject().put("op", op).put("sid", sid).put("transport", transport);
    }

    // ------------------------------------------------------------------ the owner

    private void onForwarded(Message<JsonObject> message) {
        JsonObject body = message.body();
        String op = body.getString("op");
        EngineIoSocket socket = registry.lookup(body.getString("sid", ""));
        if (ABORT.equals(op)) {
            BusResponder aborted = waiting.remove(body.getString("forwardId", ""));
            if (aborted != null) {
                // Its client is gone, but the forwarding node still waits for this reply: without one it waited out the
                // heartbeat's patience and then logged that this node could not be reached.
                Runnable gone = () -> aborted.fail(EngineIoServer.UNKNOWN_SID);
                if (socket == null) {
                    gone.run();
                } else {
                    socket.affinity().run(() -> {
                        socket.onPollAborted(aborted);
                        gone.run();
                    });
                }
            }
            return;
        }
        BusResponder responder = new BusResponder(message, body.getString("forwardId"), body.getString("requestId"));
        if (socket == null) {
            responder.fail(EngineIoServer.UNKNOWN_SID);
            return;
        }
        if (!socket.transport().equals(body.getString("transport"))) {
            responder.fail(EngineIoServer.BAD_REQUEST);
            return;
        }
        switch (op) {
            case GET -> {
                waiting.put(responder.forwardId, responder);
                socket.affinity().run(() -> socket.onPollGet(responder));
            }
            case POST -> socket.affinity().run(() -> socket.onPollPost(body.getString("body", ""), responder));
            case TOO_LARGE -> socket.affinity().run(socket::onPayloadTooLarge);
            default -> responder.fail(EngineIoServer.BAD_REQUEST);
        }
    }

    /** A request forwarded to {@code owner}, answered exactly once: by the owner, or because the owner is gone. */
    private record InFlight(String owner, String sid, boolean get, PollResponder responder, AtomicBoolean answered) {

        void answer(int status, String contentType, String body) {
            if (answered.compareAndSet(false, true)) {
                responder.respond(status, contentType, body);
            }
        }

        /** The client must start a new session, on a node that is alive. */
        void ownerGone() {
            answer(400, PollResponder.JSON, EngineIoServer.errorBody(EngineIoServer.UNKNOWN_SID));
        }
    }

    /** Answers a forwarded request by replying to its bus message; the forwarding node writes the HTTP response. */
    private final class BusResponder implements PollResponder {
        private final Message<JsonObject> message;
        private final String forwardId;
        private final String requestId;
        private final AtomicBoolean done = new AtomicBoolean();

        BusResponder(Message<JsonObject> message, String forwardId, String requestId) {
            this.message = message;
            this.forwardId = forwardId == null ? "" : forwardId;
            this.requestId = requestId;
        }

        @Override
        public boolean forwarded() {
            return true;
        }

        @Override
        public String requestId() {
            return requestId;
        }

        @Override
        public void respond(int status, String contentType, String body) {
            if (done.compareAndSet(false, true)) {
                waiting.remove(forwardId);
                message.reply(new JsonObject().put("status", status).put("type", contentType).put("body", body));
            }
        }
    }
}
