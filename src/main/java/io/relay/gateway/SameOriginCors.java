package io.relay.gateway;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;

/**
 * Lets requests from the relay's own origin past the CORS check. Browsers send {@code Origin} on
 * same-origin POSTs too, and Vert.x's CORS handler answers 403 to any origin not in
 * {@code CORS_ORIGIN}, so a page served by the relay itself (the demo) could not call the API. A
 * request whose {@code Origin} names the host it was sent to is not cross-origin; everything else
 * goes through the configured CORS handler unchanged.
 */
final class SameOriginCors implements Handler<RoutingContext> {
    private final Handler<RoutingContext> cors;

    SameOriginCors(Handler<RoutingContext> cors) {
        this.cors = cors;
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (sameOrigin(ctx.request().getHeader(HttpHeaders.ORIGIN), ctx.request().getHeader(HttpHeaders.HOST))) {
            ctx.next();
        } else {
            cors.handle(ctx);
        }
    }

    /** True when {@code origin} ({@code scheme://host[:port]}) names the {@code host} header's host and port. */
    static boolean sameOrigin(String origin, String host) {
        if (origin == null || host == null || host.isBlank()) {
            return false;
        }
        int scheme = origin.indexOf("://");
        if (scheme < 0) {
            return false;
        }
        String authority = origin.substring(scheme + 3);
        return authority.toLowerCase(Locale.ROOT).equals(host.trim().toLowerCase(Locale.ROOT));
    }
}
