package io.relay.gateway.engineio;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat of one socket in time: a ping {@code pingInterval} after the handshake and after each pong
 * that counts, and the socket closed ({@code ping timeout}) when no such pong came {@code pingTimeout} after
 * the ping was due. Which pongs count is {@link Heartbeat}'s rule. On the socket's context only.
 */
final class PingSchedule {
    private static final Logger log = LoggerFactory.getLogger(PingSchedule.class);

    private final EngineIoSocket socket;
    private final Vertx vertx;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final Heartbeat heartbeat = new Heartbeat();
    private long pingTimer = -1;
    private long pingTimeoutTimer = -1;
    /**
     * When the next ping is due, on the {@link System#nanoTime()} clock: the first one counts from
     * the handshake, later ones from the last pong. The pong is due {@code pingTimeout} after this
     * instant, not after the timer happened to run, so a late timer never stretches the heartbeat.
     */
    private long pingDueNanos;

    PingSchedule(EngineIoSocket socket, Vertx vertx, EngineIoOptions options) {
        this.socket = socket;
        this.vertx = vertx;
        this.intervalNanos = options.pingInterval().toNanos();
        this.timeoutNanos = options.pingTimeout().toNanos();
        // Taken before the handshake is written, so the client's clock can only start later than ours.
        this.pingDueNanos = System.nanoTime() + intervalNanos;
    }

    /** The handshake has just been sent. */
    void start() {
        schedulePing();
    }

    private void schedulePing() {
        pingTimer = vertx.setTimer(millisUntil(pingDueNanos), t -> {
            pingTimer = -1;
            if (!socket.isOpen()) {
                return;
            }
            heartbeat.pingSent();
            socket.sendPing();
            if (!socket.isOpen()) {
                return; // the ping did not fit in the outbound bound
            }
            pingTimeoutTimer = vertx.setTimer(millisUntil(pongDeadlineNanos()), t2 -> {
                pingTimeoutTimer = -1;
                socket.closeInternal(EngineIoSocket.PING_TIMEOUT, false);
            });
        });
    }

    /** The outstanding ping left the server: a pong may answer it now. */
    void pingDelivered() {
        heartbeat.pingDelivered();
    }

    /** A pong arrived: when it answers the ping, the next ping is due {@code pingInterval} from now. */
    void onPong() {
        if (!heartbeat.acceptPong()) {
            // A pong for no ping the client could have read: it answers nothing and extends nothing.
            log.debug("engine.io pong ignored sid={} transport={} (no ping delivered)", socket.id(), socket.transport());
            return;
        }
        cancel(pingTimeoutTimer);
        pingTimeoutTimer = -1;
        cancel(pingTimer);
        pingDueNanos = System.nanoTime() + intervalNanos;
        schedulePing();
    }

    /**
     * True when the pong is overdue although the timeout timer has not run yet: a busy event loop handles
     * ready I/O before due timers, and a request arriving after the deadline must find the socket gone.
     */
    boolean overdue() {
        return heartbeat.awaitingPong() && System.nanoTime() - pongDeadlineNanos() >= 0;
    }

    void stop() {
        cancel(pingTimer);
        cancel(pingTimeoutTimer);
        pingTimer = pingTimeoutTimer = -1;
    }

    private long pongDeadlineNanos() {
        return pingDueNanos + timeoutNanos;
    }

    /** Whole milliseconds until {@code deadlineNanos}, rounded up so a timer never fires early. */
    private static long millisUntil(long deadlineNanos) {
        long nanos = deadlineNanos - System.nanoTime();
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    private void cancel(long timer) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
