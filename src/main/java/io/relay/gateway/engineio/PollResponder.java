package io.relay.gateway.engineio;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers one polling request: an HTTP response on this node ({@link HttpPollResponder}), or, when the
 * request landed on another node, a reply over the event bus that the other node writes back
 * ({@link PollForwarder}). The session does not need to know which.
 */
interface PollResponder {

    String TEXT_PLAIN = "text/plain; charset=UTF-8";
    String TEXT_HTML = "text/html";
    String JSON = "application/json";

    /** May be called from any thread; at most the first call has an effect. */
    void respond(int status, String contentType, String body);

    /**
     * True when the request came through another node: its HTTP connection is out of this node's sight, so
     * its loss (that node died or drained) is never reported here.
     */
    default boolean forwarded() {
        return false;
    }

    /**
     * The client's id of this request: Engine.IO clients put a fresh cache-busting {@code t} on every
     * polling request, so the same {@code t} twice means a balancer sent the same request again. Null when absent.
     */
    default String requestId() {
        return null;
    }

    /** {@code 400} with one of the reference server's error codes ({@link EngineIoServer#UNKNOWN_SID}...). */
    default void fail(int code) {
        respond(400, JSON, EngineIoServer.errorBody(code));
    }

    default void ok(String body) {
        respond(200, TEXT_PLAIN, body);
    }

    /**
     * {@link #ok(String)}, then {@code written} once the body has left this node (written to the client's
     * socket, or failed with it; for a forwarded request, handed to the other node). Runs on any thread.
     */
    default void ok(String body, Runnable written) {
        ok(body);
        written.run();
    }

    static void addCors(HttpServerResponse response, String allowedOrigin) {
        if (allowedOrigin != null) {
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
    }
}
