package io.relay.gateway.engineio;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Engine.IO v4 server: handshake, query validation, and routing each request to its socket's transport
 * (long-polling, WebSocket, or the upgrade between them). Hands each new socket to the
 * {@link #connectionHandler}; the layer above speaks through {@link EngineIoSocket}.
 *
 * <p>Several instances (one per HTTP verticle instance) share the node's {@link EngineIoRegistry}, so a
 * polling request may land on any event loop and still find its socket.
 */
public final class EngineIoServer {

    /** Error codes and messages of the reference server, answered as {@code 400 {"code","message"}}. */
    public static final int UNKNOWN_TRANSPORT = 0;
    public static final int UNKNOWN_SID = 1;
    public static final int BAD_HANDSHAKE_METHOD = 2;
    public static final int BAD_REQUEST = 3;
    public static final int UNSUPPORTED_PROTOCOL_VERSION = 5;

    /** Separates the node id from the random part of a socket id. */
    public static final char SID_SEPARATOR = '~';
    /** The cache-busting query parameter Engine.IO clients put on every polling request, fresh each time. */
    static final String REQUEST_ID = "t";

    private static final Logger log = LoggerFactory.getLogger(EngineIoServer.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Vertx vertx;
    private final EngineIoOptions options;
    private final EngineIoRegistry registry;
    private final Set<EngineIoSocket> owned = ConcurrentHashMap.newKeySet();
    private Handler<EngineIoSocket> connectionHandler = s -> { };
    private final PollForwarder forwarder;

    /** @param registry the node's open sockets, shared by every server instance of the node */
    public EngineIoServer(Vertx vertx, EngineIoOptions options, EngineIoRegistry registry) {
        this.vertx = vertx;
        this.options = options;
        this.registry = registry;
        this.forwarder = new PollForwarder(vertx, options, registry);
    }

    /** Starts taking polling requests that other nodes forward for sockets of this node. */
    public Future<Void> start() {
        return forwarder.start();
    }

    /**
     * Sets the WebSocket frame and message limits to {@code maxPayloadBytes}, as the reference
     * server does; an HTTP server that mounts Engine.IO must be created with these options, or
     * Vert.x's smaller defaults would cut long messages.
     */
    public static HttpServerOptions configure(HttpServerOptions httpOptions, int maxPayloadBytes) {
        return httpOptions.setMaxWebSocketFrameSize(maxPayloadBytes).setMaxWebSocketMessageSize(maxPayloadBytes);
    }

    public EngineIoOptions options() {
        return options;
    }

    /** Called on the socket's context for every new socket, before any message can arrive. */
    public EngineIoServer connectionHandler(Handler<EngineIoSocket> handler) {
        this.connectionHandler = handler;
        return this;
    }

    /** Registers GET/POST polling, OPTIONS preflight and the WebSocket upgrade on {@code options.path()}. */
    public void mount(Router router) {
        router.options(options.path()).handler(this::preflight);
        router.get(options.path()).handler(this::handleGet);
        router.post(options.path()).handler(this::handlePost);
        // Any other method cannot start or continue a connection.
        router.route(options.path()).handler(ctx -> fail(ctx, BAD_HANDSHAKE_METHOD));
    }

    /** Number of open sockets created by this instance. */
    public int socketCount() {
        return owned.size();
    }

    /** Closes every socket created by this instance; completes once each close has been performed. */
    public Future<Void> close(String reason) {
        List<Future<Void>> closing = new ArrayList<>();
        closing.add(forwarder.stop());
        for (EngineIoSocket socket : owned) {
            Promise<Void> done = Promise.promise();
            socket.context().runOnContext(v -> {
                socket.close(reason);
                done.complete();
            });
            closing.add(done.future());
        }
        return Future.all(closing).mapEmpty();
    }

    void unregister(EngineIoSocket socket) {
        registry.remove(socket);
        owned.remove(socket);
    }

    /** The socket is closed (it may stay registered a moment to hand over its close packet). */
    void detach(EngineIoSocket socket) {
        owned.remove(socket);
    }

    // ------------------------------------------------------------------ routes

    private void preflight(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        HttpServerResponse res = ctx.response();
        String origin = allowedOrigin(req);
        if (origin != null) {
            PollResponder.addCors(res, origin);
            res.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, "GET,POST,OPTIONS");
            String requested = req.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
            res.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, requested != null ? requested : "Content-Type");
            res.putHeader(HttpHeaders.VARY, "Origin");
        }
        res.setStatusCode(204).end();
    }

    /** The request's transport when it and the protocol version are ones we serve; null after answering 400. */
    private String checkedTransport(RoutingContext ctx) {
        String transport = ctx.request().getParam("transport");
        if (!PollingTransport.NAME.equals(transport) && !WebSocketTransport.NAME.equals(transport)) {
            fail(ctx, UNKNOWN_TRANSPORT);
            return null;
        }
        if (!"4".equals(ctx.request().getParam("EIO"))) {
            fail(ctx, UNSUPPORTED_PROTOCOL_VERSION);
            return null;
        }
        return transport;
    }

    private void handleGet(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String transport = checkedTransport(ctx);
        if (transport == null) {
            return;
        }
        boolean upgrade = isWebSocketUpgrade(req);
        String sid = req.getParam("sid");
        if (sid != null && forwarder.ownedElsewhere(sid)) {
            if (upgrade) {
                fail(ctx, BAD_REQUEST); // the client keeps polling through the forwarder
            } else {
                forwarder.forwardGet(ctx, responder(ctx), sid, transport);
            }
            return;
        }
        if (sid != null) {
            EngineIoSocket socket = registry.lookup(sid);
            if (socket == null) {
                fail(ctx, UNKNOWN_SID);
            } else if (upgrade) {
                if (!WebSocketTransport.NAME.equals(transport)) {
                    fail(ctx, BAD_REQUEST);
                } else {
                    // Even when the socket cannot be upgraded (already upgraded, or another probe is
                    // under way) the WebSocket is accepted and then closed, as the reference server
                    // does: clients (and the conformance suites) expect a close, not a failed handshake.
                    upgradeExisting(ctx, socket);
                }
            } else if (!transport.equals(socket.transport())) {
                fail(ctx, BAD_REQUEST);
            } else {
                PollResponder responder = responder(ctx);
                // Registered here, on the request's own context; the socket decides on its own.
                ctx.response().closeHandler(v -> socket.context().runOnContext(x -> socket.onPollAborted(responder)));
                onSocketContext(socket, () -> socket.onPollGet(responder));
            }
            return;
        }
        if (upgrade != WebSocketTransport.NAME.equals(transport)) {
            fail(ctx, BAD_REQUEST);
            return;
        }
        if (upgrade) {
            openWebSocket(ctx);
        } else {
            openPolling(ctx);
        }
    }

    private void handlePost(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String transport = checkedTransport(ctx);
        if (transport == null) {
            return;
        }
        String sid = req.getParam("sid");
        if (sid == null) {
            fail(ctx, BAD_HANDSHAKE_METHOD);
            return;
        }
        if (forwarder.ownedElsewhere(sid)) {
            PollResponder responder = responder(ctx);
            PollingBody.read(ctx, options.maxPayloadBytes(), text -> forwarder.forwardPost(responder, sid, transport, text), () -> {
                tooLargeResponse(ctx);
                forwarder.forwardTooLarge(sid, transport);
            });
            return;
        }
        EngineIoSocket socket = registry.lookup(sid);
        if (socket == null) {
            fail(ctx, UNKNOWN_SID);
            return;
        }
        if (!transport.equals(socket.transport())) {
            fail(ctx, BAD_REQUEST);
            return;
        }
        PollResponder responder = responder(ctx);
        PollingBody.read(ctx, options.maxPayloadBytes(), text -> onSocketContext(socket, () -> socket.onPollPost(text, responder)), () -> {
            tooLargeResponse(ctx);
            onSocketContext(socket, socket::onPayloadTooLarge);
        });
    }

    private void tooLargeResponse(RoutingContext ctx) {
        HttpServerResponse res = ctx.response();
        if (!res.ended()) {
            PollResponder.addCors(res, allowedOrigin(ctx.request()));
            res.setStatusCode(413).putHeader(HttpHeaders.CONNECTION, "close").end();
        }
    }

    // ------------------------------------------------------------------ opening sockets

    private void openPolling(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        EngineIoSocket socket = new EngineIoSocket(this, vertx, Affinity.current(), newSocketId(),
                remoteHost(req.remoteAddress()), PollingTransport::new);
        register(socket);
        responder(ctx).ok(socket.openPacket());
        opened(socket);
    }

    private void openWebSocket(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        Affinity context = Affinity.current();
        String remote = remoteHost(req.remoteAddress());
        // The 101 goes out before toWebSocket's callback runs: a client can see its upgrade accepted and
        // open the next connection, on another event loop, before this socket is registered. Holding its
        // place in the per-IP count from here keeps the cap exact for a client that waits for each upgrade.
        registry.hold(remote);
        req.toWebSocket().onComplete(opened -> {
            try {
                if (opened.succeeded()) {
                    NettyWebSocket ws = takeOver(req, opened.result(), context);
                    if (ws == null) {
                        return;
                    }
                    EngineIoSocket socket = new EngineIoSocket(this, vertx, context, newSocketId(), remote,
                            s -> WebSocketTransport.open(s, ws, context));
                    register(socket);
                    ws.write(socket.openPacket());
                    opened(socket);
                } else {
                    log.debug("websocket handshake failed: {}", opened.cause().getMessage());
                }
            } finally {
                registry.release(remote); // after register: the count may read one high for a moment, never low
            }
        });
    }

    private void upgradeExisting(RoutingContext ctx, EngineIoSocket socket) {
        Affinity context = Affinity.current();
        HttpServerRequest req = ctx.request();
        req.toWebSocket().onSuccess(upgraded -> {
            NettyWebSocket ws = takeOver(req, upgraded, context);
            if (ws == null) {
                return;
            }
            WebSocketTransport probe = WebSocketTransport.open(socket, ws, context);
            onSocketContext(socket, () -> socket.attachProbe(probe));
        }).onFailure(e -> log.debug("websocket upgrade failed sid={}: {}", socket.id(), e.getMessage()));
    }

    /** The relay runs its WebSockets on Netty's frames from here on (see {@link NettyWebSocket}); null when it cannot. */
    private NettyWebSocket takeOver(HttpServerRequest req, ServerWebSocket upgraded, Affinity context) {
        try {
            return NettyWebSocket.takeOver(req.connection(), (ContextInternal) context.context(), options.maxPayloadBytes());
        } catch (IllegalStateException e) {
            log.error("websocket closed: it could not be taken over from Vert.x", e);
            upgraded.close((short) 1011);
            return null;
        }
    }

    private void register(EngineIoSocket socket) {
        registry.add(socket);
        owned.add(socket);
    }

    private void opened(EngineIoSocket socket) {
        log.info("engine.io socket opened sid={} transport={} node={} remote={}",
                socket.id(), socket.transport(), options.nodeId(), socket.remoteAddress());
        socket.start();
        try {
            connectionHandler.handle(socket);
        } catch (RuntimeException e) {
            log.error("connection handler failed sid={}", socket.id(), e);
            socket.close("server error");
        }
    }

    /** {@code <nodeId>~<128 random bits, base64url>}: the prefix lets the cluster route by owner. */
    String newSocketId() {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        return options.nodeId() + SID_SEPARATOR + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    // ------------------------------------------------------------------ helpers

    private PollResponder responder(RoutingContext ctx) {
        return new HttpPollResponder(Affinity.current(), ctx.response(), allowedOrigin(ctx.request()), ctx.request().getParam(REQUEST_ID));
    }

    private String allowedOrigin(HttpServerRequest req) {
        String origin = req.getHeader(HttpHeaders.ORIGIN);
        return options.originAllowed(origin) ? origin : null;
    }

    private void fail(RoutingContext ctx, int code) {
        HttpServerResponse res = ctx.response();
        PollResponder.addCors(res, allowedOrigin(ctx.request()));
        res.setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, PollResponder.JSON).end(errorBody(code));
    }

    static String errorBody(int code) {
        String message = switch (code) {
            case UNKNOWN_TRANSPORT -> "Transport unknown";
            case UNKNOWN_SID -> "Session ID unknown";
            case BAD_HANDSHAKE_METHOD -> "Bad handshake method";
            case UNSUPPORTED_PROTOCOL_VERSION -> "Unsupported protocol version";
            default -> "Bad request";
        };
        return "{\"code\":" + code + ",\"message\":\"" + message + "\"}";
    }

    private static void onSocketContext(EngineIoSocket socket, Runnable action) {
        socket.affinity().run(action);
    }

    private static boolean isWebSocketUpgrade(HttpServerRequest req) {
        String upgrade = req.getHeader(HttpHeaders.UPGRADE);
        return upgrade != null && upgrade.toLowerCase().contains("websocket");
    }

    private static String remoteHost(SocketAddress address) {
        return address == null ? "" : address.hostAddress() != null ? address.hostAddress() : String.valueOf(address.host());
    }
}
