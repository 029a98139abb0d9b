package io.relay.gateway;

import io.relay.config.RelayConfig;
import io.relay.gateway.engineio.EngineIoRegistry;
import io.relay.gateway.socketio.SocketIoOptions;
import io.relay.gateway.socketio.SocketIoServer;
import io.relay.ops.Ops;
import io.relay.pairing.PairingRoutes;
import io.relay.pairing.PairingService;
import io.relay.routing.Switchboard;
import io.relay.vocabulary.ApiReplies;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * One HTTP server instance (a node runs one per event loop, all on the same port): the REST calls of
 * the original backend, the Socket.IO endpoint, and JSON answers for everything else.
 */
public final class HttpVerticle extends VerticleBase {
    private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);

    private final RelayConfig config;
    private final int port;
    private final PairingService pairing;
    private final Switchboard switchboard;
    private final BooleanSupplier draining;
    private final Ops ops;
    private final WebGuards guards;
    private final EngineIoRegistry engineIo;
    private SocketIoServer socketIo;
    private HttpConnectionGuard connections;
    private HttpServer server;

    /** @param port the port to bind; may differ from the config's when it asked for an ephemeral one */
    /**
     * @param guards the node's front-door checks (origin, rates, connection caps), shared by every instance of the node
     * @param engineIo the node's open Engine.IO sockets, shared by every instance of the node
     */
    public HttpVerticle(RelayConfig config, int port, PairingService pairing, Switchboard switchboard, BooleanSupplier draining, Ops ops,
                        WebGuards guards, EngineIoRegistry engineIo) {
        this.guards = guards;
        this.engineIo = engineIo;
        this.config = config;
        this.draining = draining;
        this.port = port;
        this.pairing = pairing;
        this.switchboard = switchboard;
        this.ops = ops;
    }

    @Override
    public Future<?> start() {
        SocketIoOptions socketOptions = SocketIoOptions.from(config);
        socketIo = new SocketIoServer(vertx, socketOptions, engineIo).connectionHandler(switchboard::accept);

        Router router = Router.router(vertx);
        router.route("/api/*").handler(new SameOriginCors(cors(), guards::originAllowed, guards::foreignOrigin));
        router.get("/").handler(HttpVerticle::health);
        router.get("/api/auth/health").handler(HttpVerticle::health);
        router.route("/api/auth/generate-qr").handler(guards::pairingRate);
        router.route("/api/auth/wait-pairing").handler(guards::pairingRate);
        PairingRoutes.mount(router, pairing);
        DeviceSessionRoutes.mount(router, switchboard);
        router.route(socketOptions.path()).handler(guards::socketIo);
        router.route(socketOptions.path()).handler(this::refuseNewSessionsWhileDraining);
        socketIo.mount(router);
        ops.mount(router);
        router.route().last().handler(ctx -> ApiReplies.error(ctx, 404, "Route not found"));
        router.errorHandler(500, ctx -> {
            // The QR image path carries the image handle: it redeems nothing, but it shows a live QR, so keep it out of logs.
            log.error("request failed: {} {}", ctx.request().method(),
                    ctx.request().path().replaceFirst("^/api/auth/qr/.*", "/api/auth/qr/<image>"), ctx.failure());
            ApiReplies.error(ctx, 500, "Internal server error");
        });
        router.errorHandler(413, ctx -> ApiReplies.error(ctx, 413, "Request body too large"));
        router.errorHandler(400, ctx -> ApiReplies.error(ctx, 400, "Bad request"));

        HttpServerOptions options = serverOptions(HttpConnectionGuard.configure(
                SocketIoServer.configure(new HttpServerOptions().setPort(port).setHost(config.host()), socketOptions)));
        HttpServer created = vertx.createHttpServer(options);
        connections = new HttpConnectionGuard(vertx, guards, config.security(), ops.metrics());
        connections.install(created, router);
        return socketIo.start()
                .compose(v -> created.listen())
                .onSuccess(s -> server = s);
    }

    /**
     * What every connection costs. Strict thread mode: every response of this server is written on its
     * request's event loop (handlers run there, and polling answers hop back to it in
     * {@code HttpPollResponder}), so Vert.x may write straight to the channel instead of giving each
     * HTTP/1 connection a multi-producer queue whose first chunk is 1,024 slots: 4.6 KiB that would live
     * as long as the connection, which a polling client keeps for its whole session (a WebSocket lets go of
     * the connection it was upgraded from, see {@code NettyWebSocket}). The price: a response written from another
     * thread fails with IllegalStateException ("Only the context thread can write a message") instead
     * of being queued, so any future asynchronous answer must come back to the request's context first.
     *
     * <p>No WebSocket compression, as the original's socket.io with its defaults: browsers and the official
     * client offer permessage-deflate, and Vert.x accepts it unless told not to, after which each connection
     * keeps a zlib compressor (and, once the client sends, a decompressor) for its whole life: 113 KB of RSS
     * per idle connection instead of 22 KB (BENCHMARKS.md).
     */
    public static HttpServerOptions serverOptions(HttpServerOptions options) {
        return options.setStrictThreadMode(true)
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false);
    }

    /** Closes the Socket.IO connections first (clients reconnect to another node), then the listener. */
    @Override
    public Future<?> stop() {
        if (connections != null) {
            connections.stop();
        }
        return socketIo.close().eventually(() -> server == null ? Future.succeededFuture() : server.close());
    }

    /** The port this instance listens on. */
    public int actualPort() {
        return server.actualPort();
    }

    /** A draining node finishes its sessions' requests but opens no new ones: the client retries another node. */
    private void refuseNewSessionsWhileDraining(RoutingContext ctx) {
        if (draining.getAsBoolean() && ctx.request().getParam("sid") == null) {
            ctx.response().putHeader("Retry-After", "1");
            ApiReplies.error(ctx, 503, "Node is shutting down");
        } else {
            ctx.next();
        }
    }

    private CorsHandler cors() {
        CorsHandler cors = CorsHandler.create()
                .allowCredentials(true)
                .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE, HttpMethod.OPTIONS))
                .allowedHeaders(Set.of("Content-Type", "Authorization"));
        for (String origin : config.corsOrigins()) {
            // With credentials a literal "*" is refused by browsers: reflect any origin instead.
            if ("*".equals(origin)) {
                cors.addOriginWithRegex(".*");
            } else {
                cors.addOrigin(origin);
            }
        }
        return cors;
    }

    private static void health(RoutingContext ctx) {
        ApiReplies.send(ctx, 200, new JsonObject().put("success", true).put("status", "ok").put("service", "relay")
                .put("timestamp", java.time.Instant.now().toString()));
    }
}
