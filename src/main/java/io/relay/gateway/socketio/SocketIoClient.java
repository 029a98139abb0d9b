package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoSocket;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Socket.IO side of one Engine.IO socket: decodes packets, keeps the namespace sockets and
 * closes the session on a malformed packet or when no CONNECT came in time. Runs on the session's
 * context only.
 */
final class SocketIoClient {

    private static final Logger log = LoggerFactory.getLogger(SocketIoClient.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SocketIoServer server;
    private final EngineIoSocket engine;
    private final Vertx vertx;
    private final SocketIoDecoder decoder;
    private final Map<String, NamespaceSocket> sockets = new HashMap<>(2);
    private long connectTimer;
    /** Ends a binary packet that takes longer than its bound to finish; -1 when none is under way. */
    private long attachmentTimer = -1;

    SocketIoClient(SocketIoServer server, EngineIoSocket engine, Vertx vertx) {
        this.server = server;
        this.engine = engine;
        this.vertx = vertx;
        this.decoder = new SocketIoDecoder(server.attachmentLimits());
        engine.messageHandler(this::onText).binaryHandler(this::onBinary).closeHandler(this::onClose);
        connectTimer = vertx.setTimer(server.connectTimeoutMs(), t -> {
            connectTimer = -1;
            if (sockets.isEmpty() && engine.isOpen()) {
                log.info("socket.io connect timeout sid={} transport={}", engine.id(), engine.transport());
                engine.close("connect timeout");
            }
        });
    }

    void send(SocketIoPackets.Encoded packet) {
        engine.send(packet.text());
        for (Buffer attachment : packet.attachments()) {
            engine.send(attachment);
        }
    }

    void remove(NamespaceSocket socket) {
        sockets.remove(socket.namespace(), socket);
    }

    private void onText(String text) {
        try {
            SocketIoPacket packet = decoder.onText(text);
            if (packet != null) {
                dispatch(packet);
            } else if (decoder.reconstructing()) {
                startAttachmentTimer();
            }
        } catch (SocketIoDecodeException e) {
            parseError(e);
        } catch (AttachmentLimitException e) {
            overLimit(e);
        }
    }

    private void onBinary(Buffer data) {
        try {
            SocketIoPacket packet = decoder.onBinary(data);
            if (packet != null) {
                cancelAttachmentTimer();
                dispatch(packet);
            }
        } catch (SocketIoDecodeException e) {
            parseError(e);
        } catch (AttachmentLimitException e) {
            overLimit(e);
        }
    }

    private void startAttachmentTimer() {
        cancelAttachmentTimer();
        long started = decoder.pendingSinceNanos();
        attachmentTimer = vertx.setTimer(Math.max(1, decoder.limits().timeout().toMillis()), t -> {
            attachmentTimer = -1;
            if (engine.isOpen() && decoder.reconstructing() && decoder.pendingSinceNanos() == started) {
                overLimit(decoder.expire());
            }
        });
    }

    private void cancelAttachmentTimer() {
        if (attachmentTimer >= 0) {
            vertx.cancelTimer(attachmentTimer);
            attachmentTimer = -1;
        }
    }

    /**
     * A bound the client can be told about: the socket of the packet's namespace (when it joined one)
     * hears of it first, so the relay can send an {@code error} with the code, then the connection goes.
     */
    private void overLimit(AttachmentLimitException e) {
        cancelAttachmentTimer();
        decoder.reset();
        log.warn("socket.io limit sid={} transport={} remote={} code={}: {}", engine.id(), engine.transport(),
                engine.remoteAddress(), e.reason().code(), e.getMessage());
        NamespaceSocket socket = sockets.get(e.namespace());
        if (socket != null) {
            socket.onLimitExceeded(e.toLimitExceeded());
        }
        engine.close(e.disconnectReason());
    }

    private void parseError(SocketIoDecodeException e) {
        // Like the reference server: a client that sends garbage is disconnected.
        log.warn("socket.io parse error sid={} transport={}: {}", engine.id(), engine.transport(), e.getMessage());
        engine.close(DisconnectReason.PARSE_ERROR);
    }

    private void dispatch(SocketIoPacket packet) {
        switch (packet.type()) {
            case SocketIoPackets.CONNECT -> connect(packet.nsp(), (JsonObject) packet.data());
            case SocketIoPackets.DISCONNECT -> {
                NamespaceSocket socket = sockets.remove(packet.nsp());
                if (socket != null) {
                    socket.onDisconnect(DisconnectReason.CLIENT_NAMESPACE_DISCONNECT);
                }
            }
            case SocketIoPackets.EVENT, SocketIoPackets.BINARY_EVENT -> {
                NamespaceSocket socket = sockets.get(packet.nsp());
                if (socket != null) {
                    socket.onEvent((JsonArray) packet.data(), packet.text(), packet.id());
                } else {
                    log.debug("event for a namespace not joined sid={}", engine.id());
                }
            }
            default -> {
                // ACK: the server never asks for acknowledgements; CONNECT_ERROR only flows to clients.
            }
        }
    }

    private void connect(String nsp, JsonObject auth) {
        NamespaceSocket existing = sockets.get(nsp);
        if (existing != null) {
            engine.send(SocketIoPackets.encodeConnect(nsp, existing.id()));
            return;
        }
        Handler<SocketIoSocket> handler = server.namespaceHandler(nsp);
        if (handler == null) {
            engine.send(SocketIoPackets.encodeConnectError(nsp, "Invalid namespace"));
            return;
        }
        // Only a CONNECT that succeeds ends the connect timeout (as the reference server): a client
        // knocking at unknown namespaces must not keep an idle connection forever.
        cancelConnectTimer();
        NamespaceSocket socket = new NamespaceSocket(this, engine, nsp, newSocketId(), auth == null ? new JsonObject() : auth);
        sockets.put(nsp, socket);
        // The answer goes first so that anything the handler emits reaches an already connected client.
        engine.send(SocketIoPackets.encodeConnect(nsp, socket.id()));
        log.info("socket.io socket connected sid={} socket={} nsp={} transport={}", engine.id(), socket.id(), nsp, engine.transport());
        try {
            handler.handle(socket);
        } catch (RuntimeException e) {
            log.error("connection handler failed sid={} socket={}", engine.id(), socket.id(), e);
        }
    }

    private void onClose(String reason) {
        cancelConnectTimer();
        cancelAttachmentTimer();
        decoder.reset();
        List<NamespaceSocket> all = new ArrayList<>(sockets.values());
        sockets.clear();
        for (NamespaceSocket socket : all) {
            socket.onDisconnect(reason);
        }
    }

    private void cancelConnectTimer() {
        if (connectTimer >= 0) {
            vertx.cancelTimer(connectTimer);
            connectTimer = -1;
        }
    }

    private static String newSocketId() {
        byte[] random = new byte[15];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
