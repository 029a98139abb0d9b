package io.relay.routing;

import io.relay.gateway.socketio.ClientEvent;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;

/**
 * A socket that counts the events the relay emits on it ({@code relay_events_sent_total}). The relay
 * only ever sees sockets through this wrapper, so identity comparisons stay consistent. Packets sent
 * already encoded (the fan-out to browsers) are counted by {@link WebFanout}, which knows their name.
 */
final class MeteredSocket implements SocketIoSocket {
    private final SocketIoSocket socket;
    private final Metrics metrics;

    MeteredSocket(SocketIoSocket socket, Metrics metrics) {
        this.socket = socket;
        this.metrics = metrics;
    }

    @Override
    public void emit(String event, Object... args) {
        if (socket.connected()) {
            metrics.eventSent(event);
        }
        socket.emit(event, args);
    }

    @Override
    public String id() {
        return socket.id();
    }

    @Override
    public String engineSessionId() {
        return socket.engineSessionId();
    }

    @Override
    public String transport() {
        return socket.transport();
    }

    @Override
    public String remoteAddress() {
        return socket.remoteAddress();
    }

    @Override
    public JsonObject auth() {
        return socket.auth();
    }

    @Override
    public void sendEncoded(String packet) {
        socket.sendEncoded(packet);
    }

    @Override
    public SocketIoSocket eventHandler(Handler<ClientEvent> handler) {
        socket.eventHandler(handler);
        return this;
    }

    @Override
    public SocketIoSocket disconnectHandler(Handler<String> handler) {
        socket.disconnectHandler(handler);
        return this;
    }

    @Override
    public SocketIoSocket limitHandler(Handler<io.relay.gateway.socketio.LimitExceeded> handler) {
        socket.limitHandler(handler);
        return this;
    }

    @Override
    public io.vertx.core.Future<Void> writable() {
        return socket.writable();
    }

    @Override
    public void disconnect() {
        socket.disconnect();
    }

    @Override
    public void closeTransport() {
        socket.closeTransport();
    }

    @Override
    public boolean connected() {
        return socket.connected();
    }

    @Override
    public void runOnContext(Handler<Void> action) {
        socket.runOnContext(action);
    }
}
