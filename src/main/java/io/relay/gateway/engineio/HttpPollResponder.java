package io.relay.gateway.engineio;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers a polling HTTP request received by this node. A session may live on another event loop than
 * the request; the response is always written on the context the request arrived on, so Netty never
 * sees two threads.
 */
final class HttpPollResponder implements PollResponder {

    private final Affinity affinity;
    private final HttpServerResponse response;
    /** The request's Origin when CORS allows it; echoed back with credentials allowed. */
    private final String allowedOrigin;
    private final String requestId;

    HttpPollResponder(Affinity affinity, HttpServerResponse response, String allowedOrigin, String requestId) {
        this.affinity = affinity;
        this.response = response;
        this.allowedOrigin = allowedOrigin;
        this.requestId = requestId;
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public void respond(int status, String contentType, String body) {
        affinity.run(() -> write(status, contentType, body));
    }

    @Override
    public void ok(String body, Runnable written) {
        affinity.run(() -> write(200, TEXT_PLAIN, body).onComplete(done -> written.run()));
    }

    private Future<Void> write(int status, String contentType, String body) {
        if (response.ended() || response.closed()) {
            return Future.succeededFuture();
        }
        response.setStatusCode(status);
        response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
        PollResponder.addCors(response, allowedOrigin);
        return response.end(body);
    }
}
