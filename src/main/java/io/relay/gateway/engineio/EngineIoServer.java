package io.relay.gateway.engineio;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.SocketAddress;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
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
 * Engine.IO v4 server: handshake, query validation, long-polling, WebSocket and the upgrade between
 * them. Hands each new session to the {@link #connectionHandler}; the layer above speaks through
 * {@link EngineIoSession}.
 *
 * <p>Several instances (one per HTTP verticle instance) share one node-wide session registry, so a
 * polling request may land on any event loop and still find its session.
 */
public final class EngineIoServer {

    /** Error codes and messages of the reference server, answered as {@code 400 {"code","message"}}. */
    public static final int UNKNOWN_TRANSPORT = 0;
    public static final int UNKNOWN_SID = 1;
    public static final int BAD_HANDSHAKE_METHOD = 2;
    public static final int BAD_REQUEST = 3;
    public static final int UNSUPPORTED_PROTOCOL_VERSION = 5;

    /** Separates the node id from the random part of a session id. */
    public static final char SID_SEPARATOR = '~';
    /** The cache-busting query parameter Engine.IO clients put on every polling request, fresh each time. */
    static final String REQUEST_ID = "t";

    private static final Logger log = LoggerFactory.getLogger(EngineIoServer.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Node-wide: every server instance in this JVM sees every session. */
    private static final ConcurrentHashMap<String, EngineIoSession> REGISTRY = new ConcurrentHashMap<>();
    /** Open sessions per node and remote IP, kept with {@link #REGISTRY}, for the per-IP connection cap. */
    private static final ConcurrentHashMap<String, Integer> SESSIONS_PER_REMOTE = new ConcurrentHashMap<>();

    private final Vertx vertx;
    private final EngineIoOptions options;
    private final Set<EngineIoSession> owned = ConcurrentHashMap.newKeySet();
    private Handler<EngineIoSession> connectionHandler = s -> { };
    private final PollForwarder forwarder;

    public EngineIoServer(Vertx vertx, EngineIoOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.forwarder = new PollForwarder(vertx, options);
    }

    /** Starts taking polling requests that other nodes forward for sessions of this node. */
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

    /** Called on the session's context for every new session, before any message can arrive. */
    public EngineIoServer connectionHandler(Handler<EngineIoSession> handler) {
        this.connectionHandler = handler;
        return this;
    }

    /** Registers GET/POST polling, OPTIONS preflight and the WebSocket upgrade on {@code options.path()}. */
    public void mount(Router router) {
        router.options(options.path()).handler(this::preflight);
        router.get(options.path()).handler(this::handleGet);
        router.post(options.path()).handler(this::handlePost);
        // Any other method cannot start or continue a session.
        router.route(options.path()).handler(ctx -> fail(ctx, BAD_HANDSHAKE_METHOD));
    }

    /** Number of open sessions created by this instance. */
    public int sessionCount() {
        return owned.size();
    }

    /** Closes every session created by this instance; completes once each close has been performed. */
    public Future<Void> close(String reason) {
        List<Future<Void>> closing = new ArrayList<>();
        closing.add(forwarder.stop());
        for (EngineIoSession session : owned) {
            Promise<Void> done = Promise.promise();
            session.context().runOnContext(v -> {
                session.close(reason);
                done.complete();
            });
            closing.add(done.future());
        }
        return Future.all(closing).mapEmpty();
    }

    /** Engine.IO sessions open on node {@code nodeId} for a remote IP (as {@code SocketAddress.hostAddress()} gives it). */
    public static int openSessionsFrom(String nodeId, String remoteIp) {
        return SESSIONS_PER_REMOTE.getOrDefault(remoteKey(nodeId, remoteIp), 0);
    }

    /**
     * Bytes waiting to be written to the clients of every session of node {@code nodeId}, in this JVM: the
     * sum over its sessions of {@link EngineIoSession#outboundBytes()}. Walks the sessions; for a scrape.
     */
    public static long outboundBytes(String nodeId) {
        String prefix = nodeId + SID_SEPARATOR;
        long total = 0;
        for (EngineIoSession session : REGISTRY.values()) {
            if (session.id().startsWith(prefix)) {
                total += session.outboundBytes();
            }
        }
        return total;
    }

    private static String remoteKey(String nodeId, String remoteIp) {
        return nodeId + ' ' + remoteIp;
    }

    static EngineIoSession lookup(String sid) {
        return REGISTRY.get(sid);
    }

    void unregister(EngineIoSession session) {
        if (REGISTRY.remove(session.id(), session)) {
            SESSIONS_PER_REMOTE.computeIfPresent(remoteKey(options.nodeId(), session.remoteAddress()), (k, n) -> n <= 1 ? null : n - 1);
        }
        owned.remove(session);
    }

    /** The session is closed (it may stay registered a moment to hand over its close packet). */
    void detach(EngineIoSession session) {
        owned.remove(session);
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
        if (!EngineIoSession.POLLING.equals(transport) && !EngineIoSession.WEBSOCKET.equals(transport)) {
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
            EngineIoSession session = REGISTRY.get(sid);
            if (session == null) {
                fail(ctx, UNKNOWN_SID);
            } else if (upgrade) {
                if (!EngineIoSession.WEBSOCKET.equals(transport)) {
                    fail(ctx, BAD_REQUEST);
                } else {
                    // Even when the session cannot be upgraded (already upgraded, or another probe is
                    // under way) the WebSocket is accepted and then closed, as the reference server
                    // does: clients (and the conformance suites) expect a close, not a failed handshake.
                    upgradeExisting(ctx, session);
                }
            } else if (!transport.equals(session.transport())) {
                fail(ctx, BAD_REQUEST);
            } else {
                PollResponder responder = responder(ctx);
                // Registered here, on the request's own context; the session decides on its own.
                ctx.response().closeHandler(v -> session.context().runOnContext(x -> session.onPollAborted(responder)));
                onSessionContext(session, () -> session.onPollGet(responder));
            }
            return;
        }
        if (upgrade != EngineIoSession.WEBSOCKET.equals(transport)) {
            fail(ctx, BAD_REQUEST);
            return;
        }
        if (upgrade) {
            openWebSocketSession(ctx);
        } else {
            openPollingSession(ctx);
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
            readBody(ctx, text -> forwarder.forwardPost(responder, sid, transport, text), () -> {
                tooLargeResponse(ctx);
                forwarder.forwardTooLarge(sid, transport);
            });
            return;
        }
        EngineIoSession session = REGISTRY.get(sid);
        if (session == null) {
            fail(ctx, UNKNOWN_SID);
            return;
        }
        if (!transport.equals(session.transport())) {
            fail(ctx, BAD_REQUEST);
            return;
        }
        PollResponder responder = responder(ctx);
        readBody(ctx, text -> onSessionContext(session, () -> session.onPollPost(text, responder)), () -> {
            tooLargeResponse(ctx);
            onSessionContext(session, session::onPayloadTooLarge);
        });
    }

    /** Reads a polling POST body up to maxPayloadBytes; beyond that calls {@code tooLarge} once and stops reading. */
    private void readBody(RoutingContext ctx, java.util.function.Consumer<String> onBody, Runnable tooLarge) {
        HttpServerRequest req = ctx.request();
        int max = options.maxPayloadBytes();
        if (ctx.body() != null && ctx.body().available()) {
            // A body handler upstream already read the request.
            Buffer body = ctx.body().buffer();
            if (body != null && body.length() > max) {
                tooLarge.run();
            } else {
                onBody.accept(body == null ? "" : body.toString(StandardCharsets.UTF_8));
            }
            return;
        }
        String contentLength = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (contentLength != null && parseLength(contentLength) > max) {
            tooLarge.run();
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] rejected = {false};
        req.handler(chunk -> {
            if (rejected[0]) {
                return;
            }
            if (body.length() + chunk.length() > max) {
                rejected[0] = true;
                tooLarge.run();
            } else {
                body.appendBuffer(chunk);
            }
        });
        req.endHandler(v -> {
            if (!rejected[0]) {
                onBody.accept(body.toString(StandardCharsets.UTF_8));
            }
        });
        req.resume();
    }

    private void tooLargeResponse(RoutingContext ctx) {
        HttpServerResponse res = ctx.response();
        if (!res.ended()) {
            PollResponder.addCors(res, allowedOrigin(ctx.request()));
            res.setStatusCode(413).putHeader(HttpHeaders.CONNECTION, "close").end();
        }
    }

    // ------------------------------------------------------------------ opening sessions

    private void openPollingSession(RoutingContext ctx) {
        EngineIoSession session = newSession(ctx.request(), EngineIoSession.POLLING);
        responder(ctx).ok(openPacket(session.id(), true));
        startSession(session);
    }

    private void openWebSocketSession(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        Affinity context = Affinity.current();
        MultiMap headers = handshakeHeaders(req);
        String remote = remoteHost(req.remoteAddress());
        req.toWebSocket().onSuccess(ws -> {
            EngineIoSession session = new EngineIoSession(this, vertx, context, newSessionId(),
                    EngineIoSession.WEBSOCKET, remote, headers);
            session.attachWebSocket(ws, context);
            wireWebSocket(ws, session);
            register(session);
            ws.writeTextMessage(openPacket(session.id(), false));
            startSession(session);
        }).onFailure(e -> log.debug("websocket handshake failed: {}", e.getMessage()));
    }

    private void upgradeExisting(RoutingContext ctx, EngineIoSession session) {
        Affinity context = Affinity.current();
        ctx.request().toWebSocket().onSuccess(ws -> {
            wireWebSocket(ws, session);
            onSessionContext(session, () -> session.attachProbe(ws, context));
        }).onFailure(e -> log.debug("websocket upgrade failed sid={}: {}", session.id(), e.getMessage()));
    }

    private void wireWebSocket(ServerWebSocket ws, EngineIoSession session) {
        WebSocketMessages.wire(ws, options.maxPayloadBytes(),
                text -> onSessionContext(session, () -> session.onWebSocketText(ws, text)),
                data -> onSessionContext(session, () -> session.onWebSocketBinary(ws, data)),
                code -> {
                    log.debug("websocket message refused sid={} close={}", session.id(), code);
                    onSessionContext(session, () -> session.onWebSocketError(ws, code));
                });
        ws.closeHandler(v -> onSessionContext(session, () -> session.onWebSocketClosed(ws, "transport close")));
        ws.exceptionHandler(e -> {
            log.debug("websocket error sid={}: {}", session.id(), e.getMessage());
            // A frame over maxPayload surfaces here; the client must see 1009 (message too big), not 1000.
            Short code = e instanceof CorruptedWebSocketFrameException corrupted && corrupted.closeStatus() != null
                    ? (short) corrupted.closeStatus().code() : null;
            onSessionContext(session, () -> session.onWebSocketError(ws, code));
        });
    }

    private EngineIoSession newSession(HttpServerRequest req, String transport) {
        EngineIoSession session = new EngineIoSession(this, vertx, Affinity.current(), newSessionId(),
                transport, remoteHost(req.remoteAddress()), handshakeHeaders(req));
        register(session);
        return session;
    }

    private void register(EngineIoSession session) {
        if (REGISTRY.put(session.id(), session) == null) {
            SESSIONS_PER_REMOTE.merge(remoteKey(options.nodeId(), session.remoteAddress()), 1, Integer::sum);
        }
        owned.add(session);
    }

    private void startSession(EngineIoSession session) {
        log.info("engine.io session opened sid={} transport={} node={} remote={}",
                session.id(), session.transport(), options.nodeId(), session.remoteAddress());
        session.start();
        try {
            connectionHandler.handle(session);
        } catch (RuntimeException e) {
            log.error("connection handler failed sid={}", session.id(), e);
            session.close("server error");
        }
    }

    private String openPacket(String sid, boolean polling) {
        return new StringBuilder(160)
                .append(EngineIoCodec.OPEN)
                .append("{\"sid\":\"").append(sid)
                .append("\",\"upgrades\":").append(polling ? "[\"websocket\"]" : "[]")
                .append(",\"pingInterval\":").append(options.pingInterval().toMillis())
                .append(",\"pingTimeout\":").append(options.pingTimeout().toMillis())
                .append(",\"maxPayload\":").append(options.maxPayloadBytes())
                .append('}').toString();
    }

    /** {@code <nodeId>~<128 random bits, base64url>}: the prefix lets the cluster route by owner. */
    String newSessionId() {
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

    private static void onSessionContext(EngineIoSession session, Runnable action) {
        session.affinity().run(action);
    }

    private static boolean isWebSocketUpgrade(HttpServerRequest req) {
        String upgrade = req.getHeader(HttpHeaders.UPGRADE);
        return upgrade != null && upgrade.toLowerCase().contains("websocket");
    }

    /**
     * The handshake request's own header map, not a copy: Vert.x keeps it for the WebSocket's life
     * anyway, and a polling session keeps only the map, not the request. A copy cost every connection
     * about 400 bytes of heap.
     */
    private static MultiMap handshakeHeaders(HttpServerRequest req) {
        return req.headers();
    }

    private static String remoteHost(SocketAddress address) {
        return address == null ? "" : address.hostAddress() != null ? address.hostAddress() : String.valueOf(address.host());
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
