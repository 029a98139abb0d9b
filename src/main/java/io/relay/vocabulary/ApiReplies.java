package io.relay.vocabulary;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The REST API's replies, in the original backend's envelope the web app reads: {@code {"success":true,
 * "data":...}} or {@code {"success":false,"error":"..."}} with the HTTP status. The error text is a fixed
 * sentence; it never echoes what the client sent.
 */
public final class ApiReplies {
    private static final String JSON = "application/json; charset=utf-8";

    private ApiReplies() {
    }

    /** {@code 200 {"success":true,"data":data}}. */
    public static void ok(RoutingContext ctx, JsonObject data) {
        send(ctx, 200, new JsonObject().put("success", true).put("data", data));
    }

    /** {@code status {"success":false,"error":message}}. */
    public static void error(RoutingContext ctx, int status, String message) {
        send(ctx, status, new JsonObject().put("success", false).put("error", message));
    }

    /**
     * Any JSON body with the status; nothing when a reply was already started or the client went away
     * (a long-poll answered late, a failure after a partial reply).
     */
    public static void send(RoutingContext ctx, int status, JsonObject body) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", JSON).end(body.encode());
    }
}
