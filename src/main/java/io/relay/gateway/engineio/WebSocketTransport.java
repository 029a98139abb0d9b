package io.relay.gateway.engineio;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket, as engine.io's {@code lib/transports/websocket.ts}: the transport of a socket opened over it,
 * or the probe of an upgrade until the socket swaps to it. Its messages and failures hop onto the socket's
 * context and go to the socket when it is the socket's transport, to the {@link UpgradeProbe} while it
 * probes, nowhere once dropped. Writes and closes run on the WebSocket's own context ({@link WebSockets}).
 */
final class WebSocketTransport implements Transport {
    static final String NAME = "websocket";

    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    /** Time a WebSocket close handshake may take before the connection is dropped anyway. */
    private static final long CLOSE_GRACE_MS = 10_000;

    private final EngineIoSocket socket;
    private final ServerWebSocket ws;
    private final Affinity context;

    private WebSocketTransport(EngineIoSocket socket, ServerWebSocket ws, Affinity context) {
        this.socket = socket;
        this.ws = ws;
        this.context = context;
    }

    /** Takes {@code ws}'s messages and failures for {@code socket}; {@code context} is the WebSocket's own. */
    static WebSocketTransport open(EngineIoSocket socket, ServerWebSocket ws, Affinity context) {
        WebSocketTransport transport = new WebSocketTransport(socket, ws, context);
        transport.wire();
        return transport;
    }

    @Override
    public String name() {
        return NAME;
    }

    private void wire() {
        Affinity target = socket.affinity();
        WebSocketMessages.wire(ws, socket.options().maxPayloadBytes(),
                text -> target.run(() -> onText(text)),
                data -> target.run(() -> onBinary(data)),
                code -> {
                    log.debug("websocket message refused sid={} close={}", socket.id(), code);
                    target.run(() -> onError(code));
                });
        ws.closeHandler(v -> target.run(() -> onClosed("transport close")));
        ws.exceptionHandler(e -> {
            log.debug("websocket error sid={}: {}", socket.id(), e.getMessage());
            // A frame over maxPayload surfaces here; the client must see 1009 (message too big), not 1000.
            Short code = e instanceof CorruptedWebSocketFrameException corrupted && corrupted.closeStatus() != null
                    ? (short) corrupted.closeStatus().code() : null;
            target.run(() -> onError(code));
        });
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
        context.run(() -> WebSockets.write(ws, packet).onComplete(written -> {
            socket.released(bytes);
            if (ping && written.succeeded()) {
                socket.affinity().run(socket::pingDelivered);
            }
        }));
    }

    /** A message outside the Engine.IO stream and its bound (the answer to the upgrade probe). */
    void writeUncounted(String text) {
        context.run(() -> ws.writeTextMessage(text));
    }

    @Override
    public void discard() {
        // Nothing waits here: what was sent is in the WebSocket's writes, counted until they complete.
    }

    /** Closes with the WebSocket close handshake; {@code code} null for a normal close. */
    void closeWith(Short code) {
        WebSockets.close(ws, context, code);
    }

    @Override
    public void close(String reason, boolean serverInitiated) {
        if (EngineIoSocket.OUTBOUND_FULL.equals(reason) || EngineIoSocket.PING_TIMEOUT.equals(reason)) {
            // The client does not read: its close frame would never leave, see WebSockets.abort.
            WebSockets.abort(ws, context);
        } else {
            WebSockets.close(ws, context, null);
            // A client that stopped reading never gets the close frame out of the server: drop it later.
            socket.vertx().setTimer(CLOSE_GRACE_MS, t -> WebSockets.abort(ws, context));
        }
        socket.unregister();
    }
}
