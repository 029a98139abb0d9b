package io.relay.gateway.engineio;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * One Engine.IO connection, as engine.io's {@code lib/socket.ts}: it owns the Engine.IO state (the heartbeat,
 * the outbound bound, the handlers of the layer above) and speaks through a {@link Transport}, polling or
 * WebSocket, which an upgrade swaps ({@link UpgradeProbe}). Everything here runs on the context that created
 * the socket ({@link #context()}): transports on other event loops hop onto it, so the state needs no locks.
 * Only {@link #transport} is read from other threads, for a fast 400 on a request that can never succeed;
 * the decision is re-checked on the context.
 */
public final class EngineIoSocket {

    /** Close reason when more was waiting to be written to the client than {@link EngineIoOptions#maxOutboundBytes()}. */
    public static final String OUTBOUND_FULL = "outbound full";
    static final String PING_TIMEOUT = "ping timeout";
    /** The heartbeat's ping, recognised by identity on its way out (see {@link Heartbeat}). */
    static final String PING_PACKET = new String(new char[]{EngineIoCodec.PING});

    private static final Logger log = LoggerFactory.getLogger(EngineIoSocket.class);

    private final EngineIoServer server;
    private final Vertx vertx;
    private final Affinity affinity;
    private final String id;
    private final String remoteAddress;
    private final EngineIoOptions options;

    private volatile Transport transport;
    /** A WebSocket asking to take over from polling, while it does. */
    private UpgradeProbe upgrade;

    private final OutboundBytes outbound;
    private final WritableWaiters writers;

    private final PingSchedule heartbeat;
    private boolean closed;

    private Handler<String> messageHandler;
    private Handler<Buffer> binaryHandler;
    private Handler<String> closeHandler;

    EngineIoSocket(EngineIoServer server, Vertx vertx, Affinity affinity, String id, String remoteAddress,
                   Function<EngineIoSocket, Transport> transport) {
        this.server = server;
        this.vertx = vertx;
        this.affinity = affinity;
        this.id = id;
        this.remoteAddress = remoteAddress;
        this.options = server.options();
        this.outbound = new OutboundBytes(options.maxOutboundBytes());
        this.writers = new WritableWaiters(outbound, affinity, () -> closed);
        this.heartbeat = new PingSchedule(this, vertx, options);
        this.transport = transport.apply(this);
    }

    public String id() {
        return id;
    }

    /** {@code polling} or {@code websocket}. */
    public String transport() {
        return transport.name();
    }

    public Context context() {
        return affinity.context();
    }

    /** True when the caller runs on this socket's event-loop thread, so it may touch the socket directly. */
    public boolean inContext() {
        return affinity.isCurrent();
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Called with the data of every text message from the client. */
    public EngineIoSocket messageHandler(Handler<String> handler) {
        this.messageHandler = handler;
        return this;
    }

    /** Called with every binary message from the client. */
    public EngineIoSocket binaryHandler(Handler<Buffer> handler) {
        this.binaryHandler = handler;
        return this;
    }

    /** Called once when the socket closes, with the reason (e.g. {@code "ping timeout"}). */
    public EngineIoSocket closeHandler(Handler<String> handler) {
        this.closeHandler = handler;
        return this;
    }

    /** Sends a text message; dropped when the socket is closed. */
    public void send(String data) {
        if (!onContext(() -> send(data))) {
            return;
        }
        if (closed) {
            return;
        }
        transport.send(EngineIoCodec.MESSAGE + data);
    }

    /** Sends a binary message; dropped when the socket is closed. */
    public void send(Buffer data) {
        if (!onContext(() -> send(data))) {
            return;
        }
        if (closed) {
            return;
        }
        transport.send(data);
    }

    /**
     * Completes once at most half of {@link EngineIoOptions#maxOutboundBytes()} waits to be written to the
     * client (at once when so), or when the socket closes: lets a sender of a long series pace itself to
     * a client that reads more slowly than the server writes, instead of running into the bound.
     */
    public Future<Void> writable() {
        return writers.writable();
    }

    /** Bytes waiting to be written to the client (polling queue and responses, WebSocket writes not completed). */
    public long outboundBytes() {
        return outbound.pending();
    }

    /**
     * Closes the socket from the server side. Over polling the client receives a close packet with
     * anything still queued, so a message sent just before (e.g. a Socket.IO DISCONNECT) is not lost.
     */
    public void close(String reason) {
        if (onContext(() -> close(reason))) {
            closeInternal(reason, true);
        }
    }

    // ------------------------------------------------------------------ for the server and the transports

    Affinity affinity() {
        return affinity;
    }

    Vertx vertx() {
        return vertx;
    }

    EngineIoOptions options() {
        return options;
    }

    OutboundBytes outbound() {
        return outbound;
    }

    /** The server's {@code open} packet for this socket. */
    String openPacket() {
        return EngineIoCodec.openPacket(id, transport instanceof PollingTransport, options);
    }

    /** Starts the heartbeat; the handshake has just been sent. */
    void start() {
        heartbeat.start();
    }

    /** The client can no longer fetch anything from this socket: forget it. */
    void unregister() {
        server.unregister(this);
    }

    // ------------------------------------------------------------------ heartbeat

    /** The heartbeat's ping, to the client over the transport in use. */
    void sendPing() {
        transport.send(PING_PACKET);
    }

    /** The outstanding ping left the server: a pong may answer it now. */
    void pingDelivered() {
        heartbeat.pingDelivered();
    }

    /**
     * Closes the socket when its pong is overdue although the timeout timer has not run yet (see
     * {@link PingSchedule#overdue()}). Answers whether the socket is closed.
     */
    boolean closedOrHeartbeatExpired() {
        if (!closed && heartbeat.overdue()) {
            closeInternal(PING_TIMEOUT, false);
        }
        return closed;
    }

    // ------------------------------------------------------------------ closing

    void closeInternal(String reason, boolean serverInitiated) {
        if (closed) {
            return;
        }
        closed = true;
        server.detach(this);
        heartbeat.stop();
        if (upgrade != null) {
            upgrade.abandon();
            upgrade = null;
        }
        transport.close(reason, serverInitiated);
        writers.wake();
        log.info("engine.io socket closed sid={} transport={} node={} reason={}", id, transport(), options.nodeId(), reason);
        Handler<String> handler = closeHandler;
        if (handler != null) {
            try {
                handler.handle(reason);
            } catch (RuntimeException e) {
                log.error("close handler failed sid={}", id, e);
            }
        }
    }

    /** The POST was larger than maxPayload: the client does not respect the limit, drop it. */
    void onPayloadTooLarge() {
        log.warn("engine.io payload too large sid={} transport=polling", id);
        closeInternal("transport error", false);
    }

    // ------------------------------------------------------------------ inbound packets

    /** A packet from the client over the transport in use. */
    void onPacket(EngineIoPacket packet) {
        if (closed) {
            return;
        }
        switch (packet.type()) {
            case EngineIoCodec.MESSAGE -> deliver(packet);
            case EngineIoCodec.PONG -> heartbeat.onPong();
            case EngineIoCodec.CLOSE -> {
                // As the reference server: a GET still waiting is released with a noop, not a close.
                if (transport instanceof PollingTransport polling) {
                    polling.releaseGet();
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

    // ------------------------------------------------------------------ polling requests

    void onPollGet(PollResponder responder) {
        if (transport instanceof PollingTransport polling) {
            polling.onGet(responder);
        } else {
            refusePolling(responder);
        }
    }

    void onPollPost(String body, PollResponder responder) {
        if (transport instanceof PollingTransport polling) {
            polling.onPost(body, responder);
        } else {
            refusePolling(responder);
        }
    }

    /** The client dropped the connection of its pending GET: the reference server ends the socket. */
    void onPollAborted(PollResponder responder) {
        if (transport instanceof PollingTransport polling) {
            polling.onAborted(responder);
        }
    }

    /** A polling request for a socket that is gone, or no longer polls. */
    private void refusePolling(PollResponder responder) {
        responder.fail(closedOrHeartbeatExpired() ? EngineIoServer.UNKNOWN_SID : EngineIoServer.BAD_REQUEST);
    }

    // ------------------------------------------------------------------ upgrade

    /** A WebSocket asked to take over this polling socket (the upgrade probe). */
    void attachProbe(WebSocketTransport probe) {
        if (closedOrHeartbeatExpired() || upgrade != null || !(transport instanceof PollingTransport polling)) {
            probe.closeWith(null);
            return;
        }
        upgrade = new UpgradeProbe(this, polling, probe);
    }

    /** True when {@code websocket} is this socket's transport. */
    boolean usesTransport(WebSocketTransport websocket) {
        return transport == websocket;
    }

    /** True when {@code websocket} is the WebSocket probing to take over this socket. */
    boolean isProbe(WebSocketTransport websocket) {
        return upgrade != null && upgrade.probe() == websocket;
    }

    /** A packet from the client over the probing WebSocket. */
    void onProbePacket(EngineIoPacket packet) {
        upgrade.onPacket(packet);
    }

    /** The probe timed out, failed or broke the protocol: it is closed, polling goes on. */
    void dropProbe() {
        if (upgrade != null) {
            upgrade.abandon();
            upgrade = null;
        }
    }

    /** The upgrade is complete: the WebSocket is the transport from now on. */
    void swapTo(WebSocketTransport websocket) {
        upgrade = null;
        transport = websocket;
        log.debug("engine.io socket upgraded sid={} transport=websocket node={}", id, options.nodeId());
    }

    // ------------------------------------------------------------------ outbound bound

    /** Bytes written or dropped, on any thread; wakes paced senders when that made room. */
    void released(long bytes) {
        writers.released(bytes);
    }

    /**
     * The client does not read, or not nearly as fast as it is sent to: close before it costs more. Nothing
     * is lost that the client cannot get back: it reconnects and resumes from its last sequence number.
     */
    void outboundFull(long bytes) {
        log.warn("engine.io outbound full sid={} transport={} node={} remote={} waiting={} next={} limit={}",
                id, transport(), options.nodeId(), remoteAddress, outbound.pending(), bytes, outbound.limit());
        transport.discard();
        closeInternal(OUTBOUND_FULL, false);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * True when already on the socket's context; otherwise schedules {@code action} there and
     * answers false. Keeps the public methods safe to call from anywhere.
     */
    private boolean onContext(Runnable action) {
        if (affinity.isCurrent()) {
            return true;
        }
        affinity.context().runOnContext(v -> action.run());
        return false;
    }
}
