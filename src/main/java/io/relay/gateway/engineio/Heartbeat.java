package io.relay.gateway.engineio;

/**
 * Whether a pong answers the ping of the heartbeat. Only the server pings (protocol 4), so a pong counts
 * only while a ping is outstanding and only once that ping has left the server: handed to a polling
 * response, or its WebSocket write completed. A client that sends pongs without reading (on a timer, or
 * whenever it likes) cannot keep a connection alive whose pings it never received: the ping waits behind
 * everything it did not read, its pongs are ignored, and the heartbeat closes it.
 *
 * <p>Not thread-safe: used on the session's context only.
 */
final class Heartbeat {

    private boolean awaitingPong;
    private boolean pingDelivered;
    private long ignoredPongs;

    /** A ping was queued for the client. */
    void pingSent() {
        awaitingPong = true;
        pingDelivered = false;
    }

    /** The outstanding ping left the server (written to the socket, or handed to a polling response). */
    void pingDelivered() {
        if (awaitingPong) {
            pingDelivered = true;
        }
    }

    /** A pong arrived: true when it answers the outstanding ping (which is then answered); false to ignore it. */
    boolean acceptPong() {
        if (!awaitingPong || !pingDelivered) {
            ignoredPongs++;
            return false;
        }
        awaitingPong = false;
        pingDelivered = false;
        return true;
    }

    /** True while a ping waits for its pong. */
    boolean awaitingPong() {
        return awaitingPong;
    }

    /** Pongs that answered no ping the client could have read. */
    long ignoredPongs() {
        return ignoredPongs;
    }
}
