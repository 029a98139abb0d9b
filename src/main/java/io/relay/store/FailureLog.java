package io.relay.store;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Store failures for the log, at a rate a person can read: while the database is down every request
 * fails, thousands a minute. The first failure of each kind (operation and code) is logged at once;
 * repeats are counted and summed up in one line per kind every {@code window} ms while they go on, and
 * once more when a request succeeds again. Thread-safe: the store is called from every event loop; a
 * success while nothing failed costs one volatile read.
 */
final class FailureLog {
    private final Consumer<String> warn;
    private final LongSupplier clockMillis;
    private final long windowMillis;
    private final Map<String, Burst> bursts = new LinkedHashMap<>(); // guarded by this
    /** Whether {@link #bursts} holds anything: lets a success skip the lock. */
    private volatile boolean failing;

    private static final class Burst {
        final long startedAt;
        long summarizedAt;
        long repeats;
        String lastError;

        Burst(long now, String error) {
            this.startedAt = now;
            this.summarizedAt = now;
            this.lastError = error;
        }
    }

    FailureLog(Consumer<String> warn, LongSupplier clockMillis, long windowMillis) {
        this.warn = warn;
        this.clockMillis = clockMillis;
        this.windowMillis = windowMillis;
    }

    synchronized void failed(String op, int code, String error) {
        failing = true;
        long now = clockMillis.getAsLong();
        String kind = "store " + op + " failed (" + code + ")";
        Burst burst = bursts.get(kind);
        if (burst == null) {
            bursts.put(kind, new Burst(now, error));
            warn.accept(kind + ": " + error);
            return;
        }
        burst.repeats++;
        burst.lastError = error;
        if (now - burst.summarizedAt >= windowMillis) {
            summarize(kind, burst, now, false);
            burst.summarizedAt = now;
            burst.repeats = 0;
        }
    }

    /** A request succeeded: every kind of failure seen since the last success is over. */
    void succeeded() {
        if (!failing) {
            return;
        }
        synchronized (this) {
            long now = clockMillis.getAsLong();
            bursts.forEach((kind, burst) -> summarize(kind, burst, now, true));
            bursts.clear();
            failing = false;
        }
    }

    private void summarize(String kind, Burst burst, long now, boolean over) {
        String since = String.format(Locale.ROOT, "%d more time(s) in the last %.1f s", burst.repeats, (now - burst.summarizedAt) / 1000.0);
        String span = String.format(Locale.ROOT, "%.1f s", (now - burst.startedAt) / 1000.0);
        if (over) {
            warn.accept(kind + " " + since + "; over after " + span + " (a request succeeded again); last: " + burst.lastError);
        } else if (burst.repeats > 0) {
            warn.accept(kind + " " + since + ", for " + span + " now; last: " + burst.lastError);
        }
    }
}
