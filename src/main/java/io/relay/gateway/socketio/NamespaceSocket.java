package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoSocket;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/** A client's socket in one namespace, on top of its Engine.IO socket. */
final class NamespaceSocket implements SocketIoSocket {

    private static final Logger log = LoggerFactory.getLogger(NamespaceSocket.class);

    private final SocketIoClient client;
    private final EngineIoSocket engine;
    private final String nsp;
    private final String id;
    private final JsonObject auth;
    private Handler<ClientEvent> eventHandler;
    private Handler<String> disconnectHandler;
    private Handler<LimitExceeded> limitHandler;
    private boolean connected = true;

    NamespaceSocket(SocketIoClient client, EngineIoSocket engine, String nsp, String id, JsonObject auth) {
        this.client = client;
        this.engine = engine;
        this.nsp = nsp;
        this.id = id;
        this.auth = auth;
    }

    String namespace() {
        return nsp;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String engineSessionId() {
        return engine.id();
    }

    @Override
    public String transport() {
        return engine.transport();
    }

    @Override
    public String remoteAddress() {
        return engine.remoteAddress();
    }

    @Override
    public JsonObject auth() {
        return auth;
    }

    @Override
    public void emit(String event, Object... args) {
        if (connected) {
            client.send(SocketIoPackets.encodeEventPacket(nsp, event, -1, args));
        }
    }

    @Override
    public void sendEncoded(String packet) {
        if (connected) {
            engine.send(packet);
        }
    }

    @Override
    public SocketIoSocket eventHandler(Handler<ClientEvent> handler) {
        this.eventHandler = handler;
        return this;
    }

    @Override
    public SocketIoSocket disconnectHandler(Handler<String> handler) {
        this.disconnectHandler = handler;
        return this;
    }

    @Override
    public SocketIoSocket limitHandler(Handler<LimitExceeded> handler) {
        this.limitHandler = handler;
        return this;
    }

    @Override
    public io.vertx.core.Future<Void> writable() {
        return engine.writable();
    }

    @Override
    public void disconnect() {
        if (!engine.inContext()) {
            runOnContext(v -> disconnect());
            return;
        }
        if (!connected) {
            return;
        }
        engine.send(SocketIoPackets.encodeDisconnect(nsp));
        client.remove(this);
        onDisconnect(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
        // The default namespace is the whole connection for our clients: end it, as documented.
        if ("/".equals(nsp)) {
            engine.close(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
        }
    }

    @Override
    public void closeTransport() {
        if (!engine.inContext()) {
            runOnContext(v -> closeTransport());
            return;
        }
        if (connected) {
            engine.close(DisconnectReason.FORCED_SERVER_CLOSE);
        }
    }

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public void runOnContext(Handler<Void> action) {
        engine.context().runOnContext(action);
    }

    /** {@code text}: the data as the client wrote it, or null. */
    void onEvent(JsonArray data, String text, long ackId) {
        String name = (String) data.remove(0);
        Ack ack = ackId < 0 ? null : new OnceAck(ackId);
        Handler<ClientEvent> handler = eventHandler;
        if (handler == null) {
            return;
        }
        try {
            handler.handle(new ClientEvent(name, data, ack, text));
        } catch (RuntimeException e) {
            log.error("event handler failed sid={} socket={}", engine.id(), id, e);
        }
    }

    void onLimitExceeded(LimitExceeded limit) {
        Handler<LimitExceeded> handler = limitHandler;
        if (handler == null || !connected) {
            return;
        }
        try {
            handler.handle(limit);
        } catch (RuntimeException e) {
            log.error("limit handler failed sid={} socket={}", engine.id(), id, e);
        }
    }

    void onDisconnect(String reason) {
        if (!connected) {
            return;
        }
        connected = false;
        log.info("socket.io socket disconnected sid={} socket={} nsp={} transport={} reason={}",
                engine.id(), id, nsp, engine.transport(), reason);
        Handler<String> handler = disconnectHandler;
        if (handler != null) {
            try {
                handler.handle(reason);
            } catch (RuntimeException e) {
                log.error("disconnect handler failed sid={} socket={}", engine.id(), id, e);
            }
        }
    }

    /** Answers once; a reply from another thread is carried onto the socket's context. */
    private final class OnceAck implements Ack {
        private final long ackId;
        private final AtomicBoolean answered = new AtomicBoolean();

        OnceAck(long ackId) {
            this.ackId = ackId;
        }

        @Override
        public void reply(Object... args) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            SocketIoPackets.Encoded packet = SocketIoPackets.encodeAckPacket(nsp, ackId, args);
            if (engine.inContext()) {
                sendAck(packet);
            } else {
                engine.context().runOnContext(v -> sendAck(packet));
            }
        }

        private void sendAck(SocketIoPackets.Encoded packet) {
            if (connected) {
                client.send(packet);
            }
        }
    }
}
