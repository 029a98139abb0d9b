package io.relay.gateway.engineio;

import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket, as engine.io's {@code lib/transports/websocket.ts}: the transport of a socket opened over it,
 * or the probe of an upgrade until the socket swaps to it. Its messages and failures hop onto the socket's
 * context and go to the socket when it is the socket's transport, to the {@link UpgradeProbe} while it
 * probes, nowhere once dropped. Writes and closes run on the WebSocket's own context: the choice is fixed per
 * socket, so writes keep their order.
 */
final class WebSocketTransport implements Transport, NettyWebSocket.Listener {
    static final String NAME = "websocket";

    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    /** Time a WebSocket close handshake may take before the connection is dropped anyway. */
    private static final long CLOSE_GRACE_MS = 10_000;

    private final EngineIoSocket socket;
    private final NettyWebSocket ws;
    private final Affinity context;

    private WebSocketTransport(EngineIoSocket socket, NettyWebSocket ws, Affinity context) {
        this.socket = socket;
        this.ws = ws;
        this.context = context;
    }

    /** Takes {@code ws}'s messages and failures for {@code socket}; {@code context} is the WebSocket's own. */
    static WebSocketTransport open(EngineIoSocket socket, NettyWebSocket ws, Affinity context) {
        WebSocketTransport transport = new WebSocketTransport(socket, ws, context);
        ws.listen(transport);
        return transport;
    }

    @Override
    public String name() {
        return NAME;
    }

    // ------------------------------------------------------------------ from the WebSocket, on its context

    @Override
    public void text(String text) {
        socket.affinity().run(() -> onText(text));
    }

    @Override
    public void binary(Buffer data) {
        socket.affinity().run(() -> onBinary(data));
    }

    @Override
    public void failed(Short code, String why) {
        log.debug("websocket refused sid={} close={}: {}", socket.id(), code, why);
        // A frame or message over maxPayload: the client must see 1009 (message too big), not 1000.
        socket.affinity().run(() -> onError(code));
    }

    @Override
    public void closed() {
        socket.affinity().run(() -> onClosed("transport close"));
    }

    // ------------------------------------------------------------------ from the client, on the socket's context

    private void onText(String text) {
        if (socket.closedOrHeartbeatExpired()) {
            return;
        }
        if (text.length() > socket.options().maxPayloadBytes()) {
            // Only reachable when the HTTP server was not configured with the limit (see EngineIoServer.configure).
            onError(WebSocketMessages.MESSAGE_TOO_BIG);
            return;
        }
        EngineIoPacket packet;
        try {
            packet = EngineIoCodec.decodeText(text);
        } catch (EngineIoDecodeException e) {
            log.warn("engine.io parse error sid={} transport=websocket: {}", socket.id(), e.getMessage());
            if (socket.usesTransport(this)) {
                socket.closeInternal("parse error", false);
            } else if (socket.isProbe(this)) {
                socket.dropProbe();
            }
            return;
        }
        if (socket.usesTransport(this)) {
            socket.onPacket(packet);
        } else if (socket.isProbe(this)) {
            socket.onProbePacket(packet);
        }
    }

    private void onBinary(Buffer data) {
        if (socket.closedOrHeartbeatExpired()) {
            return;
        }
        if (socket.usesTransport(this)) {
            socket.onPacket(new EngineIoPacket(EngineIoCodec.MESSAGE, null, data));
        } else if (socket.isProbe(this)) {
            socket.dropProbe(); // a probe carries the probe and the upgrade packets, nothing else
        }
    }

    /** The WebSocket failed; {@code code} is the close status to send, null for a normal close. */
    private void onError(Short code) {
        if (code != null && (socket.usesTransport(this) || socket.isProbe(this))) {
            closeWith(code);
        }
        onClosed("transport error");
    }

    private void onClosed(String reason) {
        if (socket.usesTransport(this)) {
            socket.closeInternal(reason, false);
        } else if (socket.isProbe(this)) {
            log.debug("engine.io upgrade abandoned sid={}", socket.id());
            socket.dropProbe();
        }
    }

    // ------------------------------------------------------------------ to the client

    /** Counted in the socket's outbound bytes until written; the ping's write tells the heartbeat. */
    @Override
    public void send(Object packet) {
        long bytes = packet instanceof Buffer binary ? binary.length() : OutboundBytes.utf8Length((String) packet);
        if (!socket.outbound().tryAdd(bytes)) {
            socket.outboundFull(bytes);
            return;
        }
        boolean ping = packet == EngineIoSocket.PING_PACKET;
        context.run(() -> ws.write(packet).onComplete(written -> {
            socket.released(bytes);
            if (ping && written.succeeded()) {
                socket.affinity().run(socket::pingDelivered);
            }
        }));
    }

    /** A message outside the Engine.IO stream and its bound (the answer to the upgrade probe). */
    void writeUncounted(String text) {
        context.run(() -> ws.write(text));
    }

    @Override
    public void discard() {
        // Nothing waits here: what was sent is in the WebSocket's writes, counted until they complete.
    }

    /** Closes with the WebSocket close handshake; {@code code} null for a normal close. */
    void closeWith(Short code) {
        context.run(() -> ws.close(code));
    }

    @Override
    public void close(String reason, boolean serverInitiated) {
        if (EngineIoSocket.OUTBOUND_FULL.equals(reason) || EngineIoSocket.PING_TIMEOUT.equals(reason)) {
            // The client does not read: a close frame would wait behind everything it did not read, so the
            // connection (and its buffers) would stay for as long as the client likes. Dropped at once.
            context.run(ws::abort);
        } else {
            closeWith(null);
            // A client that stopped reading never gets the close frame out of the server: drop it later.
            socket.vertx().setTimer(CLOSE_GRACE_MS, t -> context.run(ws::abort));
        }
        socket.unregister();
    }
}
