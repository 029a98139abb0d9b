package io.relay.gateway;

import io.relay.routing.Switchboard;
import io.relay.routing.StorableText;
import io.relay.vocabulary.ApiReplies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The phone's REST view of its paired browsers, authenticated by its device secret
 * ({@code Authorization: Bearer <deviceSecret>}):
 * <ul>
 *   <li>{@code GET /api/devices/:deviceId/sessions} → {@code {success, data:{sessions:[..]}}}</li>
 *   <li>{@code DELETE /api/devices/:deviceId/sessions/:sessionId} → {@code {success, data:{revoked:[id]}}}, 404 when unknown</li>
 *   <li>{@code DELETE /api/devices/:deviceId/sessions} → every session revoked</li>
 * </ul>
 * A missing or wrong secret, or an unknown device, is the same {@code 401}: nothing tells a caller
 * which deviceIds exist. The secret is never logged.
 */
final class DeviceSessionRoutes {
    private static final Logger log = LoggerFactory.getLogger(DeviceSessionRoutes.class);
    private static final int MAX_ID_CHARS = 128;

    private DeviceSessionRoutes() {
    }

    static void mount(Router router, Switchboard switchboard) {
        router.get("/api/devices/:deviceId/sessions").handler(ctx -> authorized(ctx, switchboard, deviceId ->
                switchboard.sessionControl().list(deviceId).map(sessions -> ok(ctx, new JsonObject().put("sessions", sessions)))));
        router.delete("/api/devices/:deviceId/sessions").handler(ctx -> authorized(ctx, switchboard, deviceId ->
                switchboard.sessionControl().revoke(deviceId, null).map(revoked -> ok(ctx, revokedBody(revoked)))));
        router.delete("/api/devices/:deviceId/sessions/:sessionId").handler(ctx -> authorized(ctx, switchboard, deviceId ->
                switchboard.sessionControl().revoke(deviceId, ctx.pathParam("sessionId")).map(revoked -> revoked.isEmpty()
                        ? fail(ctx, 404, "Unknown session")
                        : ok(ctx, revokedBody(revoked)))));
    }

    private interface Action {
        Future<Void> run(String deviceId);
    }

    private static void authorized(RoutingContext ctx, Switchboard switchboard, Action action) {
        String deviceId = ctx.pathParam("deviceId");
        String secret = bearer(ctx.request().getHeader("Authorization"));
        // A deviceId no phone can register as (control characters, NUL, half a surrogate pair) is unknown:
        // the same 401, before it reaches the database (which would refuse it) or a log line.
        if (deviceId == null || deviceId.isEmpty() || deviceId.length() > MAX_ID_CHARS || secret == null
                || StorableText.problem(deviceId) != null || deviceId.chars().anyMatch(Character::isISOControl)) {
            fail(ctx, 401, "Device secret required");
            return;
        }
        switchboard.phoneSecretMatches(deviceId, secret)
                .compose(matches -> {
                    if (!matches) {
                        log.info("device sessions call refused: bad secret device={} remote={}", deviceId, ctx.request().remoteAddress());
                        fail(ctx, 401, "Device secret required");
                        return Future.<Void>succeededFuture();
                    }
                    return action.run(deviceId);
                })
                .onFailure(error -> {
                    log.warn("device sessions call failed device={}", deviceId, error);
                    fail(ctx, 500, "Internal server error");
                });
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private static JsonObject revokedBody(List<String> revoked) {
        return new JsonObject().put("revoked", new JsonArray(List.copyOf(revoked)));
    }

    private static Void ok(RoutingContext ctx, JsonObject data) {
        ApiReplies.ok(ctx, data);
        return null;
    }

    private static Void fail(RoutingContext ctx, int status, String error) {
        ApiReplies.error(ctx, status, error);
        return null;
    }
}
