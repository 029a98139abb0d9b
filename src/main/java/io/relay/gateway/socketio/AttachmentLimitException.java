package io.relay.gateway.socketio;

/**
 * A client broke one of its connection's {@link AttachmentLimits}. Unlike a malformed packet, this is a
 * bound the client can be told about: {@link #code()} is stable and goes to the client in an
 * {@code error} event before the connection is closed with {@link #reason()}.
 */
public final class AttachmentLimitException extends Exception {

    /** A binary packet where no binary is accepted. */
    public static final String BINARY_REFUSED = "binary_refused";
    /** Too many attachments, too many bytes of them, or too slow to finish the packet. */
    public static final String ATTACHMENTS_OVER_LIMIT = "attachments_over_limit";

    private final String code;
    private final String namespace;

    AttachmentLimitException(String code, String message, String namespace) {
        // No stack trace: an expected, client-caused event.
        super(message, null, false, false);
        this.code = code;
        this.namespace = namespace;
    }

    /** The namespace the refused packet was for. */
    public String namespace() {
        return namespace;
    }

    public String code() {
        return code;
    }

    /** The {@link DisconnectReason} the connection is closed with. */
    public String reason() {
        return BINARY_REFUSED.equals(code) ? DisconnectReason.BINARY_REFUSED : DisconnectReason.ATTACHMENTS_OVER_LIMIT;
    }

    /** What a client that sent one is told, without anything it sent. */
    public LimitExceeded toLimitExceeded() {
        return new LimitExceeded(code, getMessage());
    }
}
