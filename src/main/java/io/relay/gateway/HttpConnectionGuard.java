package io.relay.gateway;

import io.relay.config.RelayConfig;
import io.relay.ops.Metrics;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The TCP connections of one HTTP server instance, from accept to close (slowloris defence):
 * <ul>
 *   <li>at accept, the node-wide count of the client IP's connections is taken; past
 *       {@code MAX_TCP_CONNECTIONS_PER_IP} the connection is closed at once, before it can send anything;</li>
 *   <li>a new connection must complete a request head within {@code HTTP_HEADER_TIMEOUT_SECONDS}, however
 *       it trickles its header lines in (or sends nothing);</li>
 *   <li>once a response has ended, a kept-alive connection must complete its next request head within
 *       {@code HTTP_IDLE_TIMEOUT_SECONDS}, whether it is idle or trickling.</li>
 * </ul>
 * A request in progress has no deadline here: the relay holds polling GETs for up to a ping interval
 * and {@code wait-pairing} for minutes, and answers them itself. A WebSocket leaves this watch when
 * the upgrade completes: its liveness is the Engine.IO heartbeat's business, so an idle but pinging
 * socket stays. That is why Vert.x's own {@code idleTimeout} is not used: it would cut a held
 * long-poll and apply to WebSockets alike.
 *
 * <p>Deadlines are checked by one sweep a second on the instance's event loop, so a connection is
 * closed within a second after its deadline. Everything here is touched on that event loop only,
 * except the node-wide counter (thread-safe) and the {@code closed} flag the close listener sets.
 */
final class HttpConnectionGuard {
    private static final long SWEEP_MS = 1000;
    static final String HEADER_TIMEOUT = "header_timeout";
    static final String IDLE_TIMEOUT = "idle_timeout";
    static final String PER_IP_CAP = "per_ip_cap";

    private final Vertx vertx;
    private final WebGuards guards;
    private final Metrics metrics;
    private final int capPerIp;
    private final long headerNanos;
    private final long idleNanos;
    private final Map<HttpConnection, Watched> watched = new HashMap<>();
    private long sweepTimer = -1;

    /** One watched connection: the request being answered, or the deadline of the next request's head. */
    private static final class Watched {
        /** Let go once the connection is a WebSocket: the channel's close listener keeps this watch for its life. */
        HttpConnection connection;
        final String ip;
        HttpServerRequest current;
        long deadline; // System.nanoTime(); meaningful while hasDeadline
        boolean hasDeadline;
        String phase;
        /** Set by the channel's close listener, from any thread; the sweep then forgets the connection. */
        volatile boolean closed;

        Watched(HttpConnection connection, String ip) {
            this.connection = connection;
            this.ip = ip;
        }

        void expect(long now, long withinNanos, String why) {
            hasDeadline = withinNanos > 0;
            deadline = now + withinNanos;
            phase = why;
        }
    }

    HttpConnectionGuard(Vertx vertx, WebGuards guards, RelayConfig.Security security, Metrics metrics) {
        this.vertx = vertx;
        this.guards = guards;
        this.metrics = metrics;
        this.capPerIp = security.maxTcpConnectionsPerIp();
        this.headerNanos = security.httpHeaderTimeout().toNanos();
        this.idleNanos = security.httpIdleTimeout().toNanos();
    }

    /**
     * The server options this guard needs: without cleartext HTTP/2 a connection is set up as HTTP/1.1
     * at accept, so {@link HttpServer#connectionHandler} sees it before it sent a byte (with h2c on,
     * Vert.x waits for the first bytes to tell the protocols apart, and a silent connection would never
     * be seen). The relay speaks HTTP/1.1 and WebSocket only.
     */
    static HttpServerOptions configure(HttpServerOptions options) {
        return options.setHttp2ClearTextEnabled(false);
    }

    /** Watches every connection of {@code server} and hands its requests to {@code requests}. Call on the verticle's context. */
    void install(HttpServer server, Handler<HttpServerRequest> requests) {
        metrics.httpConnectionsGauge(guards.tcpConnections()::total);
        server.connectionHandler(this::accepted);
        server.requestHandler(request -> {
            requestArrived(request);
            requests.handle(request);
        });
        if (headerNanos > 0 || idleNanos > 0) {
            sweepTimer = vertx.setPeriodic(SWEEP_MS, t -> sweep());
        }
    }

    void stop() {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
            sweepTimer = -1;
        }
    }

    private void accepted(HttpConnection connection) {
        String ip = ip(connection.remoteAddress());
        if (!guards.tcpConnections().tryAcquire(ip)) {
            metrics.httpConnectionClosed(PER_IP_CAP);
            guards.refusal("TCP connection closed at accept: too many from one address", "remote=" + ip + " cap=" + capPerIp);
            connection.close();
            return;
        }
        if (sweepTimer < 0) {
            ChannelClose.listen(connection, () -> guards.tcpConnections().release(ip));
            return; // no deadlines to keep
        }
        Watched watch = new Watched(connection, ip);
        watch.expect(System.nanoTime(), headerNanos, HEADER_TIMEOUT);
        watched.put(connection, watch);
        ChannelClose.listen(connection, () -> {
            guards.tcpConnections().release(ip);
            watch.closed = true;
        });
    }

    private void requestArrived(HttpServerRequest request) {
        Watched watch = watched.get(request.connection());
        if (watch != null) {
            watch.current = request;
            watch.hasDeadline = false;
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        Iterator<Watched> it = watched.values().iterator();
        while (it.hasNext()) {
            Watched watch = it.next();
            if (watch.closed) {
                it.remove();
            } else if (watch.current != null) {
                HttpServerResponse response = watch.current.response();
                if (!response.ended()) {
                    continue; // being answered: a long-poll may take minutes, and that is the relay's choice
                }
                if (response.getStatusCode() == 101) {
                    it.remove(); // now a WebSocket: the Engine.IO heartbeat watches it
                    watch.connection = null;
                    watch.current = null;
                    continue;
                }
                watch.current = null;
                watch.expect(now, idleNanos, IDLE_TIMEOUT);
            } else if (watch.hasDeadline && now - watch.deadline >= 0) {
                it.remove();
                timedOut(watch);
            }
        }
    }

    private void timedOut(Watched watch) {
        metrics.httpConnectionClosed(watch.phase);
        if (HEADER_TIMEOUT.equals(watch.phase)) {
            // A real client sends its request right after connecting; browsers' unused preconnects end here too.
            guards.notice("HTTP connection closed: no complete request head within " + headerNanos / 1_000_000_000L + " s",
                    "remote=" + watch.ip);
        }
        watch.connection.close();
    }

    private static String ip(SocketAddress address) {
        return address == null ? "unknown" : address.hostAddress() != null ? address.hostAddress() : address.toString();
    }
}
