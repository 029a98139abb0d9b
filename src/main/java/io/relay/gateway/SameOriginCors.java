package io.relay.gateway;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;
import java.util.function.Predicate;

/**
 * Lets requests from the relay's own origin past the CORS check. Browsers send {@code Origin} on
 * same-origin POSTs too, and Vert.x's CORS handler answers 403 to any origin not in
 * {@code CORS_ORIGIN}, so a page served by the relay itself (the demo) could not call the API. A
 * request whose {@code Origin} names the host it was sent to is not cross-origin. A foreign origin
 * not in {@code CORS_ORIGIN} is answered by {@code refuse} here: Vert.x's handler would fail the route
 * with 403, which reaches the router as an unhandled failure and an ERROR with a stack trace, once per
 * request any foreign page makes. Everything else goes through the configured CORS handler unchanged.
 */
final class SameOriginCors implements Handler<RoutingContext> {
    private final Handler<RoutingContext> cors;
    private final Predicate<String> originAllowed;
    private final Handler<RoutingContext> refuse;

    SameOriginCors(Handler<RoutingContext> cors, Predicate<String> originAllowed, Handler<RoutingContext> refuse) {
        this.cors = cors;
        this.originAllowed = originAllowed;
        this.refuse = refuse;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (sameOrigin(origin, ctx.request().getHeader(HttpHeaders.HOST))) {
            ctx.next();
        } else if (origin != null && !originAllowed.test(origin)) {
            refuse.handle(ctx);
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
