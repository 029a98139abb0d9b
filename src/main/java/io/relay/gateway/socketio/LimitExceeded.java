package io.relay.gateway.socketio;

import io.relay.vocabulary.FailureReason;

/**
 * A client went past a bound of its connection, which is closed right after the socket's
 * {@link SocketIoSocket#limitHandler} heard of it.
 *
 * @param reason  for the client and for metrics (e.g. {@link FailureReason#BINARY_REFUSED})
 * @param message a sentence for the client; names the bound, never echoes what the client sent
 */
public record LimitExceeded(FailureReason reason, String message) {
}
