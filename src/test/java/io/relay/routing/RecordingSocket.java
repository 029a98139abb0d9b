package io.relay.routing;

import io.relay.gateway.socketio.ClientEvent;
import io.relay.gateway.socketio.SocketIoSocket;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A socket that records what the relay sends it, for tests of the relay's routing on its own. Frames
 * are recorded as text: {@link #emit} through the same encoder the fan-out uses.
 */
final class RecordingSocket implements SocketIoSocket {
    final List<String> packets = new CopyOnWriteArrayList<>();
    private final Context context;
    private final String id = UUID.randomUUID().toString();
    private volatile boolean connected = true;
    private Handler<ClientEvent> eventHandler = e -> { };
    private Handler<String> disconnectHandler = r -> { };

    RecordingSocket(Context context) {
        this.context = context;
    }

    /** Delivers a client event as the Socket.IO layer would, on the socket's context. */
    void receive(String event, Object payload, io.relay.gateway.socketio.Ack ack) {
        JsonArray args = payload == null ? new JsonArray() : new JsonArray().add(payload);
        context.runOnContext(v -> eventHandler.handle(new ClientEvent(event, args, ack)));
    }

    void drop(String reason) {
        context.runOnContext(v -> {
            connected = false;
            disconnectHandler.handle(reason);
        });
    }

    @Override public String id() { return id; }
    @Override public String engineSessionId() { return "test~" + id; }
    @Override public String transport() { return "websocket"; }
    @Override public String remoteAddress() { return "127.0.0.1"; }
    @Override public JsonObject auth() { return new JsonObject(); }

    @Override
    public void emit(String event, Object... args) {
        if (connected) {
            packets.add(io.relay.gateway.socketio.SocketIoPackets.encodeEvent(event, args));
        }
    }

    @Override
    public void sendEncoded(String packet) {
        if (connected) {
            packets.add(packet);
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
    public SocketIoSocket limitHandler(Handler<io.relay.gateway.socketio.LimitExceeded> handler) {
        return this;
    }

    @Override
    public io.vertx.core.Future<Void> writable() {
        return io.vertx.core.Future.succeededFuture();
    }

    @Override public void disconnect() { drop("server namespace disconnect"); }
    @Override public void closeTransport() { drop("forced server close"); }
    @Override public boolean connected() { return connected; }

    @Override
    public void runOnContext(Handler<Void> action) {
        context.runOnContext(action);
    }
}
