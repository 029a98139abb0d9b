package io.relay.routing;

/**
 * A client event the relay refuses. The message goes back to the sender verbatim (as
 * {@code error {message}} and in a failing ack), so it names what is wrong without echoing input.
 */
public final class EventRejected extends RuntimeException {
    public EventRejected(String message) {
        super(message, null, false, false);
    }
}
