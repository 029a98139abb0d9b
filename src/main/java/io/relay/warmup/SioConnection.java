package io.relay.warmup;

import io.relay.gateway.engineio.EngineIoCodec;
import io.relay.gateway.socketio.SocketIoDecodeException;
import io.relay.gateway.socketio.SocketIoPacket;
import io.relay.gateway.socketio.SocketIoPackets;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One simulated app connection: Socket.IO v5 over an Engine.IO v4 WebSocket, framed with the relay's own
 * codec classes, as the apps connect ({@code transports: ['websocket']}). Answers pings, joins namespace
 * {@code /}, and hands every EVENT to a handler as (event name, first argument). Runs on the context it
 * was opened from. Used by the node's warm-up and by the load tool.
 */
public final class SioConnection {

    private final WebSocket socket;
    private final Promise<SioConnection> connected = Promise.promise();
    private final Map<Long, Promise<Object>> acks = new HashMap<>();
    private long nextAckId;
    private BiConsumer<String, Object> eventHandler = (event, arg) -> { };
    private Runnable closeHandler = () -> { };
    private volatile boolean closing;

    private SioConnection(WebSocket socket) {
        this.socket = socket;
    }

    /** The WebSocket URI path the apps use, for a node's base URL such as {@code http://127.0.0.1:3000}. */
    public static WebSocketConnectOptions options(URI base) {
        return new WebSocketConnectOptions()
                .setHost(base.getHost())
                .setPort(base.getPort() > 0 ? base.getPort() : 80)
                .setURI("/socket.io/?EIO=4&transport=websocket")
                .setConnectTimeout(30_000);
    }

    /** Opens the WebSocket and completes once the Socket.IO CONNECT was answered. */
    public static Future<SioConnection> open(WebSocketClient client, URI base) {
        // Handlers go on before connecting: set once the connect future completes, the server's first
        // frames can slip past if that completion is observed late (a lagging caller thread).
        ClientWebSocket ws = client.webSocket();
        SioConnection connection = new SioConnection(ws);
        ws.textMessageHandler(connection::onText);
        ws.closeHandler(v -> connection.onClose());
        ws.exceptionHandler(e -> { });
        return ws.connect(options(base)).compose(connectedSocket -> connection.connected.future());
    }

    public SioConnection onEvent(BiConsumer<String, Object> handler) {
        this.eventHandler = handler;
        return this;
    }

    public SioConnection onClose(Runnable handler) {
        this.closeHandler = handler;
        return this;
    }

    /** Sends an EVENT without acknowledgement, as the apps do. */
    public void emit(String event, Object arg) {
        socket.writeTextMessage(EngineIoCodec.MESSAGE + SocketIoPackets.encodeEvent(event, arg));
    }

    /** Sends an EVENT without arguments (as the web app sends {@code web:request-sync}). */
    public void emit(String event) {
        socket.writeTextMessage(EngineIoCodec.MESSAGE + SocketIoPackets.encodeEvent(event));
    }

    /** Sends an EVENT asking for an acknowledgement; completes with the ACK's first argument, fails if the socket closes first. */
    public Future<Object> emitWithAck(String event, Object arg) {
        long id = nextAckId++;
        Promise<Object> ack = Promise.promise();
        acks.put(id, ack);
        socket.writeTextMessage(EngineIoCodec.MESSAGE + SocketIoPackets.encodeEventPacket("/", event, id, arg).text());
        return ack.future();
    }

    /** Sends an already framed text (used by the forwarder mode, whose frames are opaque to the server). */
    public void sendRaw(String text) {
        socket.writeTextMessage(text);
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    public Future<Void> close() {
        closing = true;
        return socket.close();
    }

    private void onText(String text) {
        if (text.isEmpty()) {
            return;
        }
        switch (text.charAt(0)) {
            case EngineIoCodec.OPEN -> socket.writeTextMessage(EngineIoCodec.MESSAGE + "0");
            case EngineIoCodec.PING -> socket.writeTextMessage(String.valueOf(EngineIoCodec.PONG));
            case EngineIoCodec.MESSAGE -> onSocketIo(text);
            case EngineIoCodec.CLOSE -> socket.close();
            default -> { }
        }
    }

    private void onSocketIo(String text) {
        SocketIoPacket packet;
        try {
            packet = SocketIoPackets.decode(text.substring(1));
        } catch (SocketIoDecodeException e) {
            eventHandler.accept("bench:decode-error", e.getMessage());
            return;
        }
        switch (packet.type()) {
            case SocketIoPackets.CONNECT -> connected.tryComplete(this);
            case SocketIoPackets.CONNECT_ERROR -> connected.tryFail("CONNECT refused: " + packet.data());
            case SocketIoPackets.EVENT -> {
                JsonArray data = (JsonArray) packet.data();
                eventHandler.accept(data.getString(0), data.size() > 1 ? data.getValue(1) : null);
            }
            case SocketIoPackets.ACK -> {
                Promise<Object> ack = acks.remove(packet.id());
                if (ack != null) {
                    JsonArray data = (JsonArray) packet.data();
                    ack.tryComplete(data.isEmpty() ? null : data.getValue(0));
                }
            }
            default -> { }
        }
    }

    private void onClose() {
        connected.tryFail("closed before CONNECT");
        acks.values().forEach(ack -> ack.tryFail("closed before the acknowledgement"));
        acks.clear();
        if (!closing) {
            closeHandler.run();
        }
    }
}
