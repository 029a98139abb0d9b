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
