package io.relay.gateway.engineio;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers one polling HTTP request. A session may live on another event loop than the request; the
 * response is always written on the context the request arrived on, so Netty never sees two threads.
 */
final class PollResponder {

    static final String TEXT_PLAIN = "text/plain; charset=UTF-8";
    static final String TEXT_HTML = "text/html";
    static final String JSON = "application/json";

    private final Affinity affinity;
    private final HttpServerResponse response;
    /** The request's Origin when CORS allows it; echoed back with credentials allowed. */
    private final String allowedOrigin;

    PollResponder(Affinity affinity, HttpServerResponse response, String allowedOrigin) {
        this.affinity = affinity;
        this.response = response;
        this.allowedOrigin = allowedOrigin;
    }

    HttpServerResponse response() {
        return response;
    }

    void respond(int status, String contentType, String body) {
        affinity.run(() -> write(status, contentType, body));
    }

    void ok(String body) {
        respond(200, TEXT_PLAIN, body);
    }

    private void write(int status, String contentType, String body) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status);
        response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
        addCors(response, allowedOrigin);
        response.end(body);
    }

    static void addCors(HttpServerResponse response, String allowedOrigin) {
        if (allowedOrigin != null) {
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
    }
}
