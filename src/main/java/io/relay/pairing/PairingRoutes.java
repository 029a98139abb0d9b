package io.relay.pairing;

import io.relay.store.StoreException;
import io.relay.vocabulary.ApiReplies;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pairing REST calls, answering exactly as the original backend did ({@code {"success":...}}
 * envelopes, same status codes) so the existing web app works unchanged. Error texts are fixed
 * strings; nothing a client sent, and no token or secret, is echoed or logged.
 */
public final class PairingRoutes {

    private static final Logger log = LoggerFactory.getLogger(PairingRoutes.class);

    /** The bodies here are one short field; anything bigger is not a client of ours. */
    static final long BODY_LIMIT = 16 * 1024;
    static final int DEFAULT_PNG_SIZE = 320;
    static final int MIN_PNG_SIZE = 64;
    static final int MAX_PNG_SIZE = 1024;
    private static final Pattern QR_FILE = Pattern.compile("([0-9a-f-]{36})\\.(png|svg)");

    private PairingRoutes() {
    }

    public static void mount(Router router, PairingService service) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
        router.get("/api/auth/generate-qr").handler(PairingRoutes::noStore).handler(ctx -> generate(ctx, service));
        router.post("/api/auth/wait-pairing").handler(body).handler(PairingRoutes::noStore).handler(ctx -> waitPairing(ctx, service))
                .failureHandler(PairingRoutes::failed);
        router.post("/api/auth/verify").handler(body).handler(PairingRoutes::noStore).handler(ctx -> verify(ctx, service))
                .failureHandler(PairingRoutes::failed);
        router.get("/api/auth/qr/:file").handler(PairingRoutes::noStore).handler(ctx -> qrImage(ctx, service));
    }

    /** Every pairing reply, whatever it says, carries a token, a QR or a refusal about one: no cache keeps it. */
    private static void noStore(RoutingContext ctx) {
        noStore(ctx.response());
        ctx.next();
    }

    private static void noStore(HttpServerResponse response) {
        if (!response.headWritten()) {
            response.putHeader("Cache-Control", "no-store");
        }
    }

    private static void generate(RoutingContext ctx, PairingService service) {
        service.generate().onComplete(ar -> {
            if (ar.succeeded()) {
                GeneratedQr qr = ar.result();
                // The original's three fields, then the image handle (an extension old clients ignore).
                ApiReplies.ok(ctx, new JsonObject().put("qrData", qr.qrData()).put("token", qr.token()).put("expiresIn", qr.expiresInMs())
                        .put("imageId", qr.imageId()));
            } else {
                internal(ctx, "generate-qr", ar.cause());
            }
        });
    }

    private static void waitPairing(RoutingContext ctx, PairingService service) {
        JsonObject json = jsonBody(ctx);
        if (json == null) {
            return;
        }
        Object token = json.getValue("token");
        if (!(token instanceof String) || ((String) token).isEmpty()) {
            ApiReplies.error(ctx, 400, "Token is required");
            return;
        }
        // The long-poll lasts up to the QR's lifetime: stop waiting (and free the consumer) if the browser leaves.
        Promise<Void> clientGone = Promise.promise();
        ctx.response().closeHandler(v -> clientGone.tryComplete());
        service.awaitPairing((String) token, clientGone.future()).onComplete(ar -> {
            if (ar.succeeded()) {
                ApiReplies.ok(ctx, new JsonObject().put("sessionToken", ar.result()));
                return;
            }
            Throwable cause = ar.cause();
            if (cause instanceof PairingException p) {
                switch (p.reason()) {
                    case BAD_REQUEST -> ApiReplies.error(ctx, 400, "Token is required");
                    case UNKNOWN_TOKEN -> ApiReplies.error(ctx, 404, "Unknown pairing token");
                    case PAIRING_TIMEOUT -> ApiReplies.error(ctx, 408, "Pairing timeout");
                    case ALREADY_COLLECTED -> ApiReplies.error(ctx, 410, "Pairing already collected");
                    case INVALID_SESSION -> ApiReplies.error(ctx, 401, "Invalid or expired session");
                    case CANCELLED -> log.debug("wait-pairing: client went away");
                    default -> ApiReplies.error(ctx, 400, "Pairing failed");
                }
            } else {
                internal(ctx, "wait-pairing", cause);
            }
        });
    }

    private static void verify(RoutingContext ctx, PairingService service) {
        JsonObject json = jsonBody(ctx);
        if (json == null) {
            return;
        }
        Object jwt = json.getValue("sessionToken");
        if (!(jwt instanceof String) || ((String) jwt).isEmpty()) {
            ApiReplies.error(ctx, 400, "Session token is required");
            return;
        }
        service.verifySession((String) jwt).onComplete(ar -> {
            if (ar.succeeded()) {
                ApiReplies.ok(ctx, new JsonObject().put("deviceId", ar.result().deviceId()));
            } else if (ar.cause() instanceof PairingException) {
                ApiReplies.error(ctx, 401, "Invalid or expired session");
            } else {
                internal(ctx, "verify", ar.cause());
            }
        });
    }

    /** {@code /api/auth/qr/<imageId>.png|svg}: the QR by its image handle, never by the waiter token. */
    private static void qrImage(RoutingContext ctx, PairingService service) {
        Matcher file = QR_FILE.matcher(ctx.pathParam("file"));
        if (!file.matches()) {
            ApiReplies.error(ctx, 404, "QR code not found");
            return;
        }
        boolean png = file.group(2).equals("png");
        int size = png ? pngSize(ctx.queryParams().get("size")) : 0;
        service.qrDataForImage(file.group(1))
                .compose(qrData -> ctx.vertx().executeBlocking(() -> png
                        ? QrImages.png(qrData, size)
                        : Buffer.buffer(QrImages.svg(qrData))))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        if (!ctx.response().closed()) {
                            ctx.response()
                                    .putHeader("Content-Type", png ? "image/png" : "image/svg+xml")
                                    .putHeader("Cache-Control", "no-store")
                                    .end(ar.result());
                        }
                    } else if (ar.cause() instanceof PairingException) {
                        ApiReplies.error(ctx, 404, "QR code not found or expired");
                    } else {
                        internal(ctx, "qr image", ar.cause());
                    }
                });
    }

    /** The requested PNG size clamped to a sane range; the default when absent or not a number. */
    static int pngSize(String param) {
        if (param == null) {
            return DEFAULT_PNG_SIZE;
        }
        try {
            return Math.max(MIN_PNG_SIZE, Math.min(MAX_PNG_SIZE, Integer.parseInt(param.trim())));
        } catch (NumberFormatException e) {
            return DEFAULT_PNG_SIZE;
        }
    }

    /** The body as a JSON object, or null after answering 400 (an empty body counts as {}). */
    private static JsonObject jsonBody(RoutingContext ctx) {
        try {
            JsonObject json = ctx.body().asJsonObject();
            return json == null ? new JsonObject() : json;
        } catch (RuntimeException e) { // DecodeException, or valid JSON that is not an object
            ApiReplies.error(ctx, 400, "Invalid JSON body");
            return null;
        }
    }

    /** Failures raised before our handlers run, chiefly the body limit (413). */
    private static void failed(RoutingContext ctx) {
        noStore(ctx.response()); // the body handler failed before the route's own handlers ran
        int status = ctx.statusCode();
        if (status == 413) {
            ApiReplies.error(ctx, 413, "Request body too large");
        } else if (status >= 400 && status < 500) {
            ApiReplies.error(ctx, status, "Bad request");
        } else {
            internal(ctx, ctx.normalizedPath(), ctx.failure());
        }
    }

    private static void internal(RoutingContext ctx, String what, Throwable cause) {
        if (cause instanceof StoreException s && s.reason() == FailureReason.STORAGE_UNAVAILABLE) {
            log.warn("{}: storage unavailable", what);
            ApiReplies.error(ctx, 503, "Service temporarily unavailable");
            return;
        }
        log.error("{} failed: {}", what, cause == null ? "unknown" : cause.getClass().getName());
        ApiReplies.error(ctx, 500, "Internal server error");
    }
}
