package io.relay.security;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Log lines at a rate a person can read, whatever a client or an outage makes happen thousands of
 * times a minute (a database down, a foreign site's requests, a slowloris): the first occurrence of
 * each kind is written at once; repeats are counted and summed up in one line per kind every
 * {@code window} ms while they go on, and once more when the caller says they are over, or when a
 * whole window passed without one (the next occurrence is then a first again). A flood cannot flood
 * the log, and nothing goes unmentioned. Thread-safe (callers on several event loops
 * share one); the sink is called under the lock, so it must not block.
 */
public final class LogThrottle {
    private final Consumer<String> sink;
    private final LongSupplier clockMillis;
    private final long windowMillis;
    private final Map<String, Burst> bursts = new LinkedHashMap<>();

    private static final class Burst {
        final long startedAt;
        long summarizedAt;
        long lastAt;
        long repeats;
        String lastDetail;

        Burst(long now, String detail) {
            this.startedAt = now;
            this.summarizedAt = now;
            this.lastAt = now;
            this.lastDetail = detail;
        }
    }

    /**
     * @param sink         writes one line (e.g. {@code log::warn})
     * @param clockMillis  the time, in ms (tests pass their own)
     * @param windowMillis how often repeats of a kind are summed up while they go on
     */
    public LogThrottle(Consumer<String> sink, LongSupplier clockMillis, long windowMillis) {
        this.sink = sink;
        this.clockMillis = clockMillis;
        this.windowMillis = windowMillis;
    }

    /**
     * One occurrence of {@code kind} (a short, fixed text: the kinds must be few), with {@code detail}
     * (this occurrence's specifics; only the first and the last of a window are written).
     */
    public synchronized void occurred(String kind, String detail) {
        long now = clockMillis.getAsLong();
        Burst burst = bursts.get(kind);
        if (burst != null && now - burst.lastAt >= windowMillis) {
            if (burst.repeats > 0) {
                summarize(kind, burst, now, "none for " + windowMillis / 1000 + " s");
            }
            bursts.remove(kind);
            burst = null;
        }
        if (burst == null) {
            bursts.put(kind, new Burst(now, detail));
            sink.accept(kind + ": " + detail);
            return;
        }
        burst.repeats++;
        burst.lastAt = now;
        burst.lastDetail = detail;
        if (now - burst.summarizedAt >= windowMillis) {
            summarize(kind, burst, now, null);
            burst.summarizedAt = now;
            burst.repeats = 0;
        }
    }

    /** Every kind seen since the last call is over ({@code why}, e.g. "a request succeeded again"): each is summed up and forgotten. */
    public synchronized void over(String why) {
        if (bursts.isEmpty()) {
            return;
        }
        long now = clockMillis.getAsLong();
        bursts.forEach((kind, burst) -> summarize(kind, burst, now, why));
        bursts.clear();
    }

    private void summarize(String kind, Burst burst, long now, String overBecause) {
        String since = String.format(Locale.ROOT, "%d more time(s) in the last %.1f s", burst.repeats, (now - burst.summarizedAt) / 1000.0);
        String span = String.format(Locale.ROOT, "%.1f s", (now - burst.startedAt) / 1000.0);
        if (overBecause != null) {
            sink.accept(kind + " " + since + "; over after " + span + " (" + overBecause + "); last: " + burst.lastDetail);
        } else if (burst.repeats > 0) {
            sink.accept(kind + " " + since + ", for " + span + " now; last: " + burst.lastDetail);
        }
    }
}
