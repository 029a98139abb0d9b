package io.relay.gateway;

import io.relay.config.RelayConfig;
import io.relay.gateway.engineio.EngineIoRegistry;
import io.relay.security.ConnectionCounter;
import io.relay.security.KeyedRateLimiter;
import io.relay.security.LogThrottle;
import io.relay.security.OriginPolicy;
import io.relay.vocabulary.ApiReplies;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's front-door checks, shared by all HTTP verticle instances of a node: the browser
 * {@code Origin} of Socket.IO handshakes and API calls, a per-IP rate on the pairing calls, a cap on open
 * Socket.IO connections (Engine.IO sockets, whatever the transport) per IP, and the count of open TCP
 * connections per IP that {@link HttpConnectionGuard} caps. Limits are per node (a client spread over
 * nodes by the balancer gets each node's allowance). Nothing a client sent beyond its address is logged,
 * and refusals are logged through a {@link LogThrottle}: a flood of them cannot flood the log.
 *
 * <p>Client IP = the TCP peer. Behind a proxy or ingress that is the proxy: raise or turn off the
 * per-IP limits there ({@code X-Forwarded-For} is not trusted, anyone can send it).
 */
public final class WebGuards {
    private static final Logger log = LoggerFactory.getLogger(WebGuards.class);
    /** Engine.IO's "Forbidden" error code, as the reference server answers a refused handshake. */
    static final int ENGINE_IO_FORBIDDEN = 4;

    private final OriginPolicy origins;
    private final KeyedRateLimiter pairing; // null: off
    private final int maxConnectionsPerIp;
    private final EngineIoRegistry engineIo;
    private final AtomicLong refused = new AtomicLong();
    private final ConnectionCounter tcpConnections;
    /** Refusals of clients (a sign of abuse or of a misconfigured origin): WARN, at most a line per kind and window. */
    private final LogThrottle refusals = new LogThrottle(log::warn, System::currentTimeMillis, LOG_WINDOW_MILLIS);
    /** Things that also happen to honest clients now and then (an unused preconnect timing out): INFO, throttled too. */
    private final LogThrottle notices = new LogThrottle(log::info, System::currentTimeMillis, LOG_WINDOW_MILLIS);
    private static final long LOG_WINDOW_MILLIS = 10_000;

    /** @param engineIo the node's open Engine.IO sockets, counted per IP for the connection cap */
    public WebGuards(RelayConfig config, EngineIoRegistry engineIo) {
        this.origins = new OriginPolicy(config.corsOrigins());
        int perMinute = config.security().pairingRequestsPerMinute();
        this.pairing = perMinute > 0 ? new KeyedRateLimiter(perMinute) : null;
        this.maxConnectionsPerIp = config.security().maxConnectionsPerIp();
        this.engineIo = engineIo;
        this.tcpConnections = new ConnectionCounter(config.security().maxTcpConnectionsPerIp());
    }

    /**
     * Before the Socket.IO endpoint: a browser page from a foreign origin gets 403 (polling and the
     * WebSocket upgrade alike); a new Engine.IO socket from an IP already holding its allowance of sockets
     * on this node gets 429 (requests of an existing session, {@code sid=}, are not counted again).
     */
    void socketIo(RoutingContext ctx) {
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        String ip = ip(ctx.request().remoteAddress());
        // A page the relay serves itself (the demo) is same-origin, not a foreign site.
        if (!origins.allows(origin) && !SameOriginCors.sameOrigin(origin, ctx.request().getHeader(HttpHeaders.HOST))) {
            count("origin", ip);
            ApiReplies.send(ctx, 403, new JsonObject().put("code", ENGINE_IO_FORBIDDEN).put("message", "Origin not allowed"));
            return;
        }
        if (maxConnectionsPerIp > 0 && ctx.request().getParam("sid") == null && engineIo.openFrom(ip) >= maxConnectionsPerIp) {
            count("connections", ip);
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close"); // the refused connection must not linger and count
            ApiReplies.error(ctx, 429, "Too many connections from this address");
            return;
        }
        ctx.next();
    }

    /** Before {@code generate-qr} and {@code wait-pairing}: at most the configured calls per IP and minute. */
    void pairingRate(RoutingContext ctx) {
        String ip = ip(ctx.request().remoteAddress());
        if (pairing != null && !pairing.tryAcquire(ip)) {
            count("pairing rate", ip);
            ctx.response().putHeader("Retry-After", "60");
            ApiReplies.error(ctx, 429, "Too many requests, try again later");
            return;
        }
        ctx.next();
    }

    /**
     * After the API's CORS check refused a request (a page of a foreign site calling the API): answers
     * {@code 403} in the API's envelope and logs it as a throttled WARN. Browsers send such requests
     * whenever a page tries, so each one must not be an ERROR with a stack trace.
     */
    void foreignOrigin(RoutingContext ctx) {
        count("API origin not allowed", ip(ctx.request().remoteAddress()));
        ApiReplies.error(ctx, 403, "Origin not allowed");
    }

    /** Whether a browser page of {@code origin} may call the API ({@code CORS_ORIGIN}; no Origin header is not a browser page). */
    boolean originAllowed(String origin) {
        return origins.allows(origin);
    }

    /** Open TCP connections to the HTTP port per client IP, node-wide. */
    ConnectionCounter tcpConnections() {
        return tcpConnections;
    }

    /** A client refused: a throttled WARN of {@code kind} (few, fixed texts). */
    void refusal(String kind, String detail) {
        refusals.occurred(kind, detail);
    }

    /** Something honest clients also cause now and then: a throttled INFO. */
    void notice(String kind, String detail) {
        notices.occurred(kind, detail);
    }

    /** Requests refused by these guards since start. */
    public long refusedCount() {
        return refused.get();
    }

    private void count(String why, String ip) {
        long n = refused.incrementAndGet();
        refusal("request refused (" + why + ")", "remote=" + ip + " refusedSinceStart=" + n);
    }

    private static String ip(SocketAddress address) {
        return address == null ? "unknown" : address.hostAddress() != null ? address.hostAddress() : address.toString();
    }
}
