package io.relay.store;

import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The store's direct statements running, each under a number of its own: what a draining node waits for, and
 * names ("release-seq for 7950 ms") when it gives up on them. Called from any event loop.
 */
final class RunningStatements {
    private record Running(String op, long startedNanos) {
    }

    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final AtomicLong started = new AtomicLong();

    /** Counts {@code statement} as running, under {@code op}, until it completes; returns it. */
    <T> Future<T> track(String op, Future<T> statement) {
        Long key = started.incrementAndGet();
        running.put(key, new Running(op, System.nanoTime()));
        statement.onComplete(ar -> running.remove(key));
        return statement;
    }

    boolean idle() {
        return running.isEmpty();
    }

    /** Each statement running and for how long, oldest first. */
    String describe() {
        long now = System.nanoTime();
        return running.values().stream().sorted((a, b) -> Long.compare(a.startedNanos(), b.startedNanos()))
                .map(r -> r.op() + " for " + (now - r.startedNanos()) / 1_000_000 + " ms")
                .collect(Collectors.joining(", "));
    }
}
