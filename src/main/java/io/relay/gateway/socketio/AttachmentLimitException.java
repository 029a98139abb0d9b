package io.relay.gateway.socketio;

import io.relay.vocabulary.FailureReason;

/**
 * A client broke one of its connection's {@link AttachmentLimits}. Unlike a malformed packet, this is a
 * bound the client can be told about: {@link #reason()} ({@link FailureReason#BINARY_REFUSED} or
 * {@link FailureReason#ATTACHMENTS_OVER_LIMIT}) goes to the client in an {@code error} event before the
 * connection is closed with {@link #disconnectReason()}.
 */
public final class AttachmentLimitException extends Exception {
    private final FailureReason reason;
    private final String namespace;

    AttachmentLimitException(FailureReason reason, String message, String namespace) {
        // No stack trace: an expected, client-caused event.
        super(message, null, false, false);
        this.reason = reason;
        this.namespace = namespace;
    }

    /** The namespace the refused packet was for. */
    public String namespace() {
        return namespace;
    }

    public FailureReason reason() {
        return reason;
    }

    /** The {@link DisconnectReason} the connection is closed with. */
    public String disconnectReason() {
        return reason == FailureReason.BINARY_REFUSED ? DisconnectReason.BINARY_REFUSED : DisconnectReason.ATTACHMENTS_OVER_LIMIT;
    }

    /** What a client that sent one is told, without anything it sent. */
    public LimitExceeded toLimitExceeded() {
        return new LimitExceeded(reason, getMessage());
    }
}
