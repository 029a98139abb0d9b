package io.relay.gateway.socketio;

/**
 * A client went past a bound of its connection, which is closed right after the socket's
 * {@link SocketIoSocket#limitHandler} heard of it.
 *
 * @param code    stable, for the client and for metrics (e.g. {@code binary_refused})
 * @param message a sentence for the client; names the bound, never echoes what the client sent
 */
public record LimitExceeded(String code, String message) {
}
