package io.relay.gateway.engineio;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads the body of a polling POST, bounded by maxPayload as the reference server bounds it: a declared
 * length over the bound is refused before a byte is read, and a body that grows past it is refused as
 * soon as it does, without keeping what came. Runs on the request's event loop.
 */
final class PollingBody {

    private PollingBody() {
    }

    /** Reads the body up to {@code max} bytes into {@code onBody}; beyond that calls {@code tooLarge} once and stops reading. */
    static void read(RoutingContext ctx, int max, Consumer<String> onBody, Runnable tooLarge) {
        HttpServerRequest req = ctx.request();
        if (ctx.body() != null && ctx.body().available()) {
            // A body handler upstream already read the request.
            Buffer body = ctx.body().buffer();
            if (body != null && body.length() > max) {
                tooLarge.run();
            } else {
                onBody.accept(body == null ? "" : body.toString(StandardCharsets.UTF_8));
            }
            return;
        }
        String contentLength = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (contentLength != null && parseLength(contentLength) > max) {
            tooLarge.run();
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] rejected = {false};
        req.handler(chunk -> {
            if (rejected[0]) {
                return;
            }
            if (body.length() + chunk.length() > max) {
                rejected[0] = true;
                tooLarge.run();
            } else {
                body.appendBuffer(chunk);
            }
        });
        req.endHandler(v -> {
            if (!rejected[0]) {
                onBody.accept(body.toString(StandardCharsets.UTF_8));
            }
        });
        req.resume();
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
