package io.relay.store;

import io.relay.security.LogThrottle;
import io.relay.vocabulary.FailureReason;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Store failures for the log, at a rate a person can read: while the database is down every request
 * fails, thousands a minute. The first failure of each kind (operation and reason) is logged at once;
 * repeats are counted and summed up in one line per kind every {@code window} ms while they go on, and
 * once more when a request succeeds again (a {@link LogThrottle}). Thread-safe: the store is called from
 * every event loop, and a success while nothing failed costs one volatile read, not the throttle's lock.
 */
final class FailureLog {
    private final LogThrottle throttle;
    private volatile boolean failing;

    FailureLog(Consumer<String> warn, LongSupplier clockMillis, long windowMillis) {
        this.throttle = new LogThrottle(warn, clockMillis, windowMillis);
    }

    void failed(String op, FailureReason reason, String error) {
        failing = true;
        throttle.occurred("store " + op + " failed (" + reason.code() + ")", error);
    }

    /** A request succeeded: every kind of failure seen since the last success is over. */
    void succeeded() {
        if (failing) {
            failing = false;
            throttle.over("a request succeeded again");
        }
    }
}
