package io.relay.gateway.engineio;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * One Engine.IO connection, whatever its transport. Everything here runs on the context that created
 * the session ({@link #context()}): transports on other event loops hop onto it, so the state needs
 * no locks. Only {@link #transport} is read from other threads, for a fast 400 on a request that
 * can never succeed; the decision is re-checked on the context.
 */
public final class EngineIoSession {

    public static final String POLLING = "polling";
    public static final String WEBSOCKET = "websocket";
    /** Close reason when more was waiting to be written to the client than {@link EngineIoOptions#maxOutboundBytes()}. */
    public static final String OUTBOUND_FULL = "outbound full";
    static final String PING_TIMEOUT = "ping timeout";
    /** Time a WebSocket close handshake may take before the connection is dropped anyway. */
    private static final long CLOSE_GRACE_MS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(EngineIoSession.class);

    private static final String CLOSE_PACKET = String.valueOf(EngineIoCodec.CLOSE);
    /** The heartbeat's ping, recognised by identity on its way out (see {@link Heartbeat}). */
    private static final String PING_PACKET = new String(new char[]{EngineIoCodec.PING});

    private final EngineIoServer server;
    private final Vertx vertx;
    private final Affinity affinity;
    private final String id;
    private final String remoteAddress;
    private final MultiMap handshakeHeaders;
    private final EngineIoOptions options;

    private volatile String transport;

    /** Packets waiting for a polling GET: encoded text packets (type first) or binary messages. */
    private final PollingQueue queue;
    private final OutboundBytes outbound;
    /** Senders waiting for {@link #writable()}. */
    private List<Promise<Void>> writableWaiters;
    private PollResponder pendingGet;
    private boolean flushScheduled;
    /**
     * The last packets handed to a GET, and that GET's {@link PollResponder#requestId()}, until the client's
     * next GET shows it received them. A GET that came through another node can be answered here and then
     * die with that node; the balancer sends the same request (same id) again, which must get them again.
     */
    private String lastGetId;
    private String lastGetPayload;

    private ServerWebSocket ws;
    private Affinity wsContext;
    private ServerWebSocket probe;
    private Affinity probeContext;
    private boolean upgrading;

    private long pingTimer = -1;
    private long pingTimeoutTimer = -1;
    /**
     * When the next ping is due, on the {@link System#nanoTime()} clock: the first one counts from
     * the handshake, later ones from the last pong. The pong is due {@code pingTimeout} after this
     * instant, not after the timer happened to run, so a late timer never stretches the heartbeat.
     */
    private long pingDueNanos;
    private final Heartbeat heartbeat = new Heartbeat();
    private long upgradeTimer = -1;
    private boolean closed;
    /** A server-side close over polling keeps the session until the client fetched the close packet. */
    private boolean lingering;

    private Handler<String> messageHandler;
    private Handler<Buffer> binaryHandler;
    private Handler<String> closeHandler;

    EngineIoSession(EngineIoServer server, Vertx vertx, Affinity affinity, String id, String transport,
                    String remoteAddress, MultiMap handshakeHeaders) {
        this.server = server;
        this.vertx = vertx;
        this.affinity = affinity;
        this.id = id;
        this.transport = transport;
        this.remoteAddress = remoteAddress;
        this.handshakeHeaders = handshakeHeaders;
        this.options = server.options();
        this.outbound = new OutboundBytes(options.maxOutboundBytes());
        this.queue = new PollingQueue(outbound, CLOSE_PACKET);
        // Taken before the handshake is written, so the client's clock can only start later than ours.
        this.pingDueNanos = System.nanoTime() + options.pingInterval().toNanos();
    }

    public String id() {
        return id;
    }

    /** {@code polling} or {@code websocket}. */
    public String transport() {
        return transport;
    }

    public Context context() {
        return affinity.context();
    }

    /** True when the caller runs on this session's event-loop thread, so it may touch the session directly. */
    public boolean inContext() {
        return affinity.isCurrent();
    }

    Affinity affinity() {
        return affinity;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    public MultiMap handshakeHeaders() {
        return handshakeHeaders;
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Called with the data of every text message from the client. */
    public EngineIoSession messageHandler(Handler<String> handler) {
        this.messageHandler = handler;
        return this;
    }

    /** Called with every binary message from the client. */
    public EngineIoSession binaryHandler(Handler<Buffer> handler) {
        this.binaryHandler = handler;
        return this;
    }

    /** Called once when the session closes, with the reason (e.g. {@code "ping timeout"}). */
    public EngineIoSession closeHandler(Handler<String> handler) {
        this.closeHandler = handler;
        return this;
    }

    /** Sends a text message; dropped when the session is closed. */
    public void send(String data) {
        if (!onContext(() -> send(data))) {
            return;
        }
        if (closed) {
            return;
        }
        sendPacket(EngineIoCodec.MESSAGE + data);
    }

    /** Sends a binary message; dropped when the session is closed. */
    public void send(Buffer data) {
        if (!onContext(() -> send(data))) {
            return;
        }
        if (closed) {
            return;
        }
        sendPacket(data);
    }

    /**
     * Completes once at most half of {@link EngineIoOptions#maxOutboundBytes()} waits to be written to the
     * client (at once when so), or when the session closes: lets a sender of a long series pace itself to
     * a client that reads more slowly than the server writes, instead of running into the bound.
     */
    public Future<Void> writable() {
        if (!affinity.isCurrent()) {
            Promise<Void> hop = Promise.promise();
            affinity.context().runOnContext(v -> writable().onComplete(hop));
            return hop.future();
        }
        if (closed || outbound.hasRoom()) {
            return Future.succeededFuture();
        }
        Promise<Void> waiter = Promise.promise();
        if (writableWaiters == null) {
            writableWaiters = new ArrayList<>(2);
        }
        writableWaiters.add(waiter);
        return waiter.future();
    }

    /** Bytes waiting to be written to the client (polling queue and responses, WebSocket writes not completed). */
    public long outboundBytes() {
        return outbound.pending();
    }

    /**
     * Closes the session from the server side. Over polling the client receives a close packet with
     * anything still queued, so a message sent just before (e.g. a Socket.IO DISCONNECT) is not lost.
     */
    public void close(String reason) {
        if (onContext(() -> close(reason))) {
            closeInternal(reason, true);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts the heartbeat; the handshake has just been sent. */
    void start() {
        schedulePing();
    }

    private void schedulePing() {
        pingTimer = vertx.setTimer(millisUntil(pingDueNanos), t -> {
            pingTimer = -1;
            if (closed) {
                return;
            }
            heartbeat.pingSent();
            sendPacket(PING_PACKET);
            if (closed) {
                return; // the ping did not fit in the outbound bound
            }
            pingTimeoutTimer = vertx.setTimer(millisUntil(pongDeadlineNanos()), t2 -> {
                pingTimeoutTimer = -1;
                closeInternal(PING_TIMEOUT, false);
            });
        });
    }

    private void onPong() {
        if (!heartbeat.acceptPong()) {
            // A pong for no ping the client could have read: it answers nothing and extends nothing.
            log.debug("engine.io pong ignored sid={} transport={} (no ping delivered)", id, transport);
            return;
        }
        cancel(pingTimeoutTimer);
        pingTimeoutTimer = -1;
        cancel(pingTimer);
        pingDueNanos = System.nanoTime() + options.pingInterval().toNanos();
        schedulePing();
    }

    private long pongDeadlineNanos() {
        return pingDueNanos + options.pingTimeout().toNanos();
    }

    /**
     * Closes the session when its pong is overdue although the timeout timer has not run yet (a busy
     * event loop handles ready I/O before due timers): a request arriving after the deadline must
     * find the session gone, as it would with a punctual timer. Answers whether the session is closed.
     */
    private boolean closedOrHeartbeatExpired() {
        if (!closed && heartbeat.awaitingPong() && System.nanoTime() - pongDeadlineNanos() >= 0) {
            closeInternal(PING_TIMEOUT, false);
        }
        return closed;
    }

    /** Whole milliseconds until {@code deadlineNanos}, rounded up so a timer never fires early. */
    private static long millisUntil(long deadlineNanos) {
        long nanos = deadlineNanos - System.nanoTime();
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    private void closeInternal(String reason, boolean serverInitiated) {
        if (closed) {
            return;
        }
        closed = true;
        server.detach(this);
        cancel(pingTimer);
        cancel(pingTimeoutTimer);
        cancel(upgradeTimer);
        pingTimer = pingTimeoutTimer = upgradeTimer = -1;
        if (probe != null) {
            WebSockets.close(probe, probeContext, null);
            probe = null;
        }
        if (ws != null) {
            if (OUTBOUND_FULL.equals(reason) || PING_TIMEOUT.equals(reason)) {
                // The client does not read: its close frame would never leave, see WebSockets.abort.
                WebSockets.abort(ws, wsContext);
            } else {
                WebSockets.close(ws, wsContext, null);
                // A client that stopped reading never gets the close frame out of the server: drop it later.
                ServerWebSocket closing = ws;
                Affinity closingContext = wsContext;
                vertx.setTimer(CLOSE_GRACE_MS, t -> WebSockets.abort(closing, closingContext));
            }
            server.unregister(this);
        } else if (serverInitiated && (pendingGet == null || !queue.isEmpty())) {
            // Like the reference server, queued packets go first and the close packet in a later
            // response: the client handles a Socket.IO DISCONNECT asynchronously, and would see
            // "transport close" first if both arrived together.
            flushPolling();
            queue.addClose();
            lingering = true;
            vertx.setTimer(options.pingTimeout().toMillis(), t -> {
                dropQueue();
                server.unregister(this);
            });
        } else if (pendingGet != null) {
            queue.addClose();
            flushPolling();
            server.unregister(this);
        } else {
            dropQueue();
            server.unregister(this);
        }
        wakeWriters();
        log.info("engine.io session closed sid={} transport={} node={} reason={}", id, transport, options.nodeId(), reason);
        Handler<String> handler = closeHandler;
        if (handler != null) {
            try {
                handler.handle(reason);
            } catch (RuntimeException e) {
                log.error("close handler failed sid={}", id, e);
            }
        }
    }

    // ------------------------------------------------------------------ inbound packets

    private void onPacket(EngineIoPacket packet) {
        if (closed) {
            return;
        }
        switch (packet.type()) {
            case EngineIoCodec.MESSAGE -> deliver(packet);
            case EngineIoCodec.PONG -> onPong();
            case EngineIoCodec.CLOSE -> {
                // As the reference server: a GET still waiting is released with a noop, not a close.
                if (pendingGet != null) {
                    PollResponder get = pendingGet;
                    pendingGet = null;
                    get.ok(String.valueOf(EngineIoCodec.NOOP));
                }
                closeInternal("transport close", false);
            }
            // Protocol 4: only the server pings; a client ping outside an upgrade probe is an error.
            case EngineIoCodec.PING -> closeInternal("transport error", false);
            default -> {
                // open, upgrade and noop carry nothing for an established transport.
            }
        }
    }

    private void deliver(EngineIoPacket packet) {
        try {
            if (packet.isBinary()) {
                if (binaryHandler != null) {
                    binaryHandler.handle(packet.binary());
                }
            } else if (messageHandler != null) {
                messageHandler.handle(packet.data());
            }
        } catch (RuntimeException e) {
            // One faulty handler must not take the transport down with an exception in Netty.
            log.error("message handler failed sid={}", id, e);
        }
    }

    // ------------------------------------------------------------------ polling

    void onPollGet(PollResponder responder) {
        if (lingering) {
            pendingGet = responder;
            flushPolling();
            if (queue.isEmpty()) {
                server.unregister(this);
            }
            return;
        }
        if (closedOrHeartbeatExpired()) {
            responder.respond(400, PollResponder.JSON, EngineIoServer.errorBody(EngineIoServer.UNKNOWN_SID));
            return;
        }
        if (!POLLING.equals(transport)) {
            responder.respond(400, PollResponder.JSON, EngineIoServer.errorBody(EngineIoServer.BAD_REQUEST));
            return;
        }
        String requestId = responder.requestId();
        if (requestId != null && requestId.equals(lastGetId)) {
            responder.ok(lastGetPayload); // the answer to this very request was lost on its way: the same packets again
            return;
        }
        // A new request: the client got the previous answer.
        lastGetId = null;
        lastGetPayload = null;
        if (pendingGet != null && pendingGet.forwarded()) {
            // The waiting GET came through another node, which may have died or drained without a word: the
            // balancer then sends the client's GET again, elsewhere. The newer GET wins; the old one gets a noop.
            PollResponder stale = pendingGet;
            pendingGet = null;
            stale.ok(String.valueOf(EngineIoCodec.NOOP));
        } else if (pendingGet != null) {
            // Like the reference server: overlapping GETs mean a confused client; end the session.
            responder.respond(400, PollResponder.JSON, EngineIoServer.errorBody(EngineIoServer.BAD_REQUEST));
            closeInternal("transport error", false);
            return;
        }
        pendingGet = responder;
        if (!queue.isEmpty()) {
            flushPolling();
        } else if (upgrading) {
            pendingGet = null;
            responder.ok(String.valueOf(EngineIoCodec.NOOP));
        }
    }

    /** The client dropped the connection of its pending GET: the reference server ends the session. */
    void onPollAborted(PollResponder responder) {
        if (pendingGet == responder) {
            pendingGet = null;
            closeInternal("transport close", false);
        }
    }

    void onPollPost(String body, PollResponder responder) {
        if (closedOrHeartbeatExpired()) {
            responder.respond(400, PollResponder.JSON, EngineIoServer.errorBody(EngineIoServer.UNKNOWN_SID));
            return;
        }
        if (!POLLING.equals(transport)) {
            responder.respond(400, PollResponder.JSON, EngineIoServer.errorBody(EngineIoServer.BAD_REQUEST));
            return;
        }
        List<EngineIoPacket> packets;
        try {
            packets = EngineIoCodec.decodePayload(body);
        } catch (EngineIoDecodeException e) {
            // The conformance suite expects the POST itself to fail and the session to be gone.
            log.warn("engine.io parse error sid={} transport=polling: {}", id, e.getMessage());
            responder.respond(400, PollResponder.JSON, EngineIoServer.errorBody(EngineIoServer.BAD_REQUEST));
            closeInternal("parse error", false);
            return;
        }
        responder.respond(200, PollResponder.TEXT_HTML, "ok");
        for (EngineIoPacket packet : packets) {
            onPacket(packet);
            if (closed) {
                return;
            }
        }
    }

    /** The POST was larger than maxPayload: the client does not respect the limit, drop it. */
    void onPayloadTooLarge() {
        log.warn("engine.io payload too large sid={} transport=polling", id);
        closeInternal("transport error", false);
    }

    private void enqueue(Object packet) {
        if (!queue.offer(packet)) {
            outboundFull(PollingQueue.payloadBytes(packet));
            return;
        }
        if (pendingGet != null && !flushScheduled) {
            // Flush on the next tick so packets emitted in one burst share one HTTP response.
            flushScheduled = true;
            affinity.context().runOnContext(v -> {
                flushScheduled = false;
                flushPolling();
            });
        }
    }

    private void flushPolling() {
        PollResponder get = pendingGet;
        if (get == null || queue.isEmpty()) {
            return;
        }
        pendingGet = null;
        PollingQueue.Batch batch = queue.drain(PING_PACKET); // the close packet travels alone, see closeInternal
        if (batch.carriesPing()) {
            heartbeat.pingDelivered();
        }
        if (get.requestId() != null) {
            lastGetId = get.requestId();
            lastGetPayload = batch.payload();
        }
        // Still counted until the response is written: a client that does not read it holds it in the server.
        get.ok(batch.payload(), () -> released(batch.bytes()));
    }

    /** An encoded text packet (type first) or a binary message, to the client over the transport in use. */
    private void sendPacket(Object packet) {
        if (ws != null) {
            writeWebSocket(packet);
        } else {
            enqueue(packet);
        }
    }

    /** Writes to the WebSocket, counted in {@link #outbound} until written; the ping's write tells the heartbeat. */
    private void writeWebSocket(Object packet) {
        long bytes = packet instanceof Buffer binary ? binary.length() : OutboundBytes.utf8Length((String) packet);
        if (!outbound.tryAdd(bytes)) {
            outboundFull(bytes);
            return;
        }
        ServerWebSocket socket = ws;
        boolean ping = packet == PING_PACKET;
        wsContext.run(() -> WebSockets.write(socket, packet).onComplete(written -> {
            released(bytes);
            if (ping && written.succeeded()) {
                affinity.run(heartbeat::pingDelivered);
            }
        }));
    }

    /** Bytes written or dropped, on any thread; wakes paced senders when that made room. */
    private void released(long bytes) {
        if (outbound.release(bytes)) {
            affinity.run(this::wakeWriters);
        }
    }

    private void wakeWriters() {
        List<Promise<Void>> waiting = writableWaiters;
        if (waiting == null || !(closed || outbound.hasRoom())) {
            return;
        }
        writableWaiters = null;
        waiting.forEach(Promise::tryComplete);
    }

    /**
     * The client does not read, or not nearly as fast as it is sent to: close before it costs more. Nothing
     * is lost that the client cannot get back: it reconnects and resumes from its last sequence number.
     */
    private void outboundFull(long bytes) {
        log.warn("engine.io outbound full sid={} transport={} node={} remote={} waiting={} next={} limit={}",
                id, transport, options.nodeId(), remoteAddress, outbound.pending(), bytes, outbound.limit());
        dropQueue();
        closeInternal(OUTBOUND_FULL, false);
    }

    /** Forgets the polling queue and what it counted. */
    private void dropQueue() {
        long dropped = queue.clear();
        if (dropped > 0) {
            released(dropped);
        }
    }

    // ------------------------------------------------------------------ websocket

    /** The session was opened directly over a WebSocket. */
    void attachWebSocket(ServerWebSocket socket, Affinity socketContext) {
        this.ws = socket;
        this.wsContext = socketContext;
    }

    /** A WebSocket asked to take over this polling session (the upgrade probe). */
    void attachProbe(ServerWebSocket socket, Affinity socketContext) {
        if (closedOrHeartbeatExpired() || lingering || probe != null || ws != null) {
            WebSockets.close(socket, socketContext, null);
            return;
        }
        probe = socket;
        probeContext = socketContext;
        upgradeTimer = vertx.setTimer(options.upgradeTimeout().toMillis(), t -> {
            upgradeTimer = -1;
            if (probe == socket) {
                log.debug("engine.io upgrade timed out sid={}", id);
                dropProbe();
            }
        });
    }

    void onWebSocketText(ServerWebSocket socket, String text) {
        if (closedOrHeartbeatExpired()) {
            return;
        }
        if (text.length() > options.maxPayloadBytes()) {
            // Only reachable when the HTTP server was not configured with the limit (see EngineIoServer.configure).
            onWebSocketError(socket, (short) 1009);
            return;
        }
        EngineIoPacket packet;
        try {
            packet = EngineIoCodec.decodeText(text);
        } catch (EngineIoDecodeException e) {
            log.warn("engine.io parse error sid={} transport=websocket: {}", id, e.getMessage());
            if (socket == ws) {
                closeInternal("parse error", false);
            } else if (socket == probe) {
                dropProbe();
            }
            return;
        }
        if (socket == ws) {
            onPacket(packet);
        } else if (socket == probe) {
            onProbePacket(packet);
        }
    }

    void onWebSocketBinary(ServerWebSocket socket, Buffer data) {
        if (closedOrHeartbeatExpired()) {
            return;
        }
        if (socket == ws) {
            onPacket(new EngineIoPacket(EngineIoCodec.MESSAGE, null, data));
        } else if (socket == probe) {
            dropProbe();
        }
    }

    /** A WebSocket failed; {@code code} is the close status to send, null for a normal close. */
    void onWebSocketError(ServerWebSocket socket, Short code) {
        if (code != null && (socket == ws || socket == probe)) {
            WebSockets.close(socket, socket == ws ? wsContext : probeContext, code);
        }
        onWebSocketClosed(socket, "transport error");
    }

    void onWebSocketClosed(ServerWebSocket socket, String reason) {
        if (socket == ws) {
            closeInternal(reason, false);
        } else if (socket == probe) {
            log.debug("engine.io upgrade abandoned sid={}", id);
            dropProbe();
        }
    }

    private void onProbePacket(EngineIoPacket packet) {
        if (packet.type() == EngineIoCodec.PING && "probe".equals(packet.data())) {
            ServerWebSocket probing = probe;
            probeContext.run(() -> probing.writeTextMessage("3probe"));
            upgrading = true;
            // Release the client's pending GET so it can pause polling and send the upgrade packet.
            if (pendingGet != null) {
                if (queue.isEmpty()) {
                    PollResponder get = pendingGet;
                    pendingGet = null;
                    get.ok(String.valueOf(EngineIoCodec.NOOP));
                } else {
                    flushPolling();
                }
            }
        } else if (packet.type() == EngineIoCodec.UPGRADE) {
            completeUpgrade();
        } else {
            dropProbe();
        }
    }

    private void completeUpgrade() {
        cancel(upgradeTimer);
        upgradeTimer = -1;
        if (pendingGet != null) {
            PollResponder get = pendingGet;
            pendingGet = null;
            get.ok(String.valueOf(EngineIoCodec.NOOP));
        }
        ws = probe;
        wsContext = probeContext;
        probe = null;
        probeContext = null;
        upgrading = false;
        transport = WEBSOCKET;
        log.debug("engine.io session upgraded sid={} transport=websocket node={}", id, options.nodeId());
        // The queue's packets move to the WebSocket, counted there in their WebSocket size.
        List<Object> moving = queue.packets();
        dropQueue();
        for (Object packet : moving) {
            if (closed) {
                break;
            }
            writeWebSocket(packet);
        }
    }

    private void dropProbe() {
        cancel(upgradeTimer);
        upgradeTimer = -1;
        if (probe != null) {
            WebSockets.close(probe, probeContext, null);
        }
        probe = null;
        probeContext = null;
        upgrading = false;
    }

    // ------------------------------------------------------------------ helpers

    /**
     * True when already on the session's context; otherwise schedules {@code action} there and
     * answers false. Keeps the public methods safe to call from anywhere.
     */
    private boolean onContext(Runnable action) {
        if (affinity.isCurrent()) {
            return true;
        }
        affinity.context().runOnContext(v -> action.run());
        return false;
    }

    private void cancel(long timer) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
