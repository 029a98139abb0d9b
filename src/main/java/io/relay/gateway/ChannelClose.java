package io.relay.gateway;

import io.vertx.core.http.HttpConnection;

/**
 * Runs an action once when the TCP connection under an HTTP connection closes, whatever became of it.
 *
 * <p>{@link HttpConnection#closeHandler} is not enough: once a request is upgraded to a WebSocket,
 * Vert.x 5 replaces the connection's handler in the Netty pipeline and the HTTP connection's close
 * handler never runs (checked against 5.0.7), so a per-IP count released there would leak one slot per
 * WebSocket. The Netty channel's close future fires exactly once for every connection; it is reached
 * through Vert.x's server connection interface, which is not public API. Should a later Vert.x hand out
 * another type, the close handler is used (and the per-IP count test shows the leak).
 */
final class ChannelClose {
    private ChannelClose() {
    }

    static void listen(HttpConnection connection, Runnable action) {
        if (connection instanceof io.vertx.core.http.impl.HttpServerConnection server) {
            server.channelHandlerContext().channel().closeFuture().addListener(f -> action.run());
        } else {
            connection.closeHandler(v -> action.run());
        }
    }
}
