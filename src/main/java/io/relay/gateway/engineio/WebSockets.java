package io.relay.gateway.engineio;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;

/**
 * Writes to and closes a WebSocket on its own context. A WebSocket may belong to another event loop than
 * its session: everything goes through its context, and the choice is fixed per socket, so writes keep
 * their order.
 */
final class WebSockets {

    private WebSockets() {
    }

    /** Writes a text or binary message; the future completes once it was written to the socket (or failed). */
    static Future<Void> write(ServerWebSocket socket, Object message) {
        return message instanceof Buffer binary ? socket.writeBinaryMessage(binary) : socket.writeTextMessage((String) message);
    }

    /** Closes with the WebSocket close handshake; {@code code} null for a normal close. */
    static void close(ServerWebSocket socket, Affinity socketContext, Short code) {
        socketContext.run(() -> {
            if (!socket.isClosed()) {
                if (code == null) {
                    socket.close();
                } else {
                    socket.close(code);
                }
            }
        });
    }

    /**
     * Drops the TCP connection at once, with what is still waiting to be written. For a client that does
     * not read: a close frame would wait behind everything it did not read, and Vert.x starts its closing
     * timeout only once that frame is written, so a graceful close would keep the connection (and its
     * buffers) for as long as the client likes.
     */
    static void abort(ServerWebSocket socket, Affinity socketContext) {
        socketContext.run(() -> {
            if (socket instanceof WebSocketInternal internal) {
                internal.channelHandlerContext().channel().close();
            } else if (!socket.isClosed()) {
                socket.close();
            }
        });
    }
}
