package io.relay.ops;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The operator's and the curious developer's HTTP routes:
 * <ul>
 *   <li>{@code GET /health/live}, {@code GET /health/ready}: 200 UP or 503 DOWN, JSON naming each check;</li>
 *   <li>{@code GET /metrics}: Prometheus text format;</li>
 *   <li>{@code GET /openapi.json}: the OpenAPI 3 description of the REST calls;</li>
 *   <li>{@code GET /demo/} and {@code /demo/phone}: a browser client and a phone simulator that speak the
 *       real Socket.IO protocol (static files from the jar, the official socket.io-client included).</li>
 * </ul>
 */
final class OpsRoutes {
    /** Classpath directory of the static files ({@code demo/vendor} holds the official socket.io-client bundle). */
    static final String WEBROOT = "webroot";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private OpsRoutes() {
    }

    static void mount(Router router, Ops ops) {
        router.get("/health/live").handler(ops.health().livenessHandler());
        router.get("/health/ready").handler(ops.health().readinessHandler());
        router.get("/metrics").handler(ctx -> metrics(ctx, ops.metrics()));
        router.get("/openapi.json").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8")
                .sendFile(WEBROOT + "/openapi.json"));

        router.get("/demo*").handler(OpsRoutes::demoSecurityHeaders);
        // Relative links in the pages need the trailing slash; "/demo" alone would also match "/demo/".
        router.get("/demo").handler(ctx -> {
            if (ctx.request().path().equals("/demo")) {
                ctx.redirect("/demo/");
            } else {
                ctx.next();
            }
        });
        router.get("/demo/phone").handler(ctx -> ctx.reroute("/demo/phone.html"));
        router.get("/demo/*").handler(StaticHandler.create(WEBROOT + "/demo")
                .setCachingEnabled(false)
                .setDirectoryListing(false)
                .setIndexPage("index.html"));
    }

    /**
     * The demo pages load only their own files: scripts, styles and images from the relay itself (the QR
     * image and the socket.io-client bundle included), a {@code data:} favicon, and connections (fetch,
     * polling, WebSocket) back to the relay. No inline script or style, no plugin, no frame may show them,
     * and no Referer leaves them (the QR image's URL must not travel). The demo in a real Chromium
     * ({@code DemoBrowserTest}) fails on any violation, which the browser reports as a console error.
     */
    static final String DEMO_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static void demoSecurityHeaders(RoutingContext ctx) {
        ctx.response().headers()
                .set("Content-Security-Policy", DEMO_CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("X-Frame-Options", "DENY")
                .set("Referrer-Policy", "no-referrer");
        ctx.next();
    }

    /** Scraped on a worker: with a few hundred series, rendering the text takes long enough to matter on an event loop. */
    private static void metrics(RoutingContext ctx, Metrics metrics) {
        ctx.vertx().executeBlocking(() -> metrics.prometheus().scrape(), false).onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, PROMETHEUS_TEXT).end(ar.result());
            } else {
                ctx.fail(ar.cause());
            }
        });
    }
}
