package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoRegistry;
import io.relay.gateway.engineio.EngineIoServer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Socket.IO v5 server (Engine.IO v4 underneath) for the official {@code socket.io-client} 4.x.
 * One instance per HTTP verticle instance; Engine.IO sockets are registered in the node's
 * {@link EngineIoRegistry}, so polling requests may arrive on any instance.
 *
 * <p>The HTTP server must be created with {@link #configure(HttpServerOptions, SocketIoOptions)} so
 * WebSocket messages up to {@code maxPayloadBytes} are accepted.
 */
public final class SocketIoServer {

    /** A client that opened Engine.IO but sent no Socket.IO CONNECT in this time is dropped (as the reference). */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(45);

    private final EngineIoServer engine;
    private final AttachmentLimits attachmentLimits;
    /** {@link #CONNECT_TIMEOUT}; only tests shorten it. */
    private long connectTimeoutMs = CONNECT_TIMEOUT.toMillis();
    private final Map<String, Handler<SocketIoSocket>> namespaces = new ConcurrentHashMap<>();

    /** @param registry the node's open Engine.IO sockets, shared by every instance of the node */
    public SocketIoServer(Vertx vertx, SocketIoOptions options, EngineIoRegistry registry) {
        this.engine = new EngineIoServer(vertx, options.engineIo(), registry);
        this.attachmentLimits = options.attachments();
        this.engine.connectionHandler(session -> new SocketIoClient(this, session, vertx));
        this.namespaces.put("/", socket -> { });
    }

    /** Sets the WebSocket frame/message limits of the HTTP server to the configured max payload. */
    public static HttpServerOptions configure(HttpServerOptions httpOptions, SocketIoOptions options) {
        return EngineIoServer.configure(httpOptions, options.maxPayloadBytes());
    }

    /**
     * Called on the socket's context once a client joined the default namespace, after the CONNECT
     * answer was queued. Handlers set on the socket synchronously here see every later packet.
     */
    public SocketIoServer connectionHandler(Handler<SocketIoSocket> handler) {
        return namespace("/", handler);
    }

    /** Accepts CONNECTs to {@code name}; a CONNECT to an unknown namespace gets a CONNECT_ERROR. */
    public SocketIoServer namespace(String name, Handler<SocketIoSocket> handler) {
        namespaces.put(name, handler);
        return this;
    }

    /** Starts serving polling requests that other nodes forward for this node's sessions. */
    public Future<Void> start() {
        return engine.start();
    }

    /** Registers GET/POST polling, OPTIONS preflight and the WebSocket upgrade on the configured path. */
    public void mount(Router router) {
        engine.mount(router);
    }

    /** Closes every connection opened through this instance, without Socket.IO DISCONNECT (clients reconnect). */
    public Future<Void> close() {
        return engine.close(DisconnectReason.SERVER_SHUTTING_DOWN);
    }

    /** Open Engine.IO connections created through this instance (connected or still before CONNECT). */
    public int connectionCount() {
        return engine.socketCount();
    }

    AttachmentLimits attachmentLimits() {
        return attachmentLimits;
    }

    SocketIoServer connectTimeout(Duration timeout) {
        this.connectTimeoutMs = timeout.toMillis();
        return this;
    }

    long connectTimeoutMs() {
        return connectTimeoutMs;
    }

    Handler<SocketIoSocket> namespaceHandler(String nsp) {
        return namespaces.get(nsp);
    }
}
