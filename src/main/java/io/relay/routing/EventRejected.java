package io.relay.routing;

import io.relay.vocabulary.FailureReason;

/**
 * A client event the relay refuses, for a {@link #reason()}. The message goes back to the sender verbatim
 * (as {@code error {message}} and in a failing ack), so it names what is wrong without echoing input.
 */
public final class EventRejected extends RuntimeException {
    private final FailureReason reason;

    /** A malformed or contradictory event: {@link FailureReason#BAD_REQUEST}. */
    public EventRejected(String message) {
        this(FailureReason.BAD_REQUEST, message);
    }

    public EventRejected(FailureReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public FailureReason reason() {
        return reason;
    }
}
