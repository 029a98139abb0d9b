package io.relay.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open connections per key (a client IP), node-wide and thread-safe, with a cap: a connection is
 * counted when it is admitted and must be released exactly once when it closes. A key whose count
 * falls to zero is forgotten, so the map holds only clients that are connected now.
 */
public final class ConnectionCounter {
    private final int capPerKey;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    /** @param capPerKey most connections one key may hold at once; 0 = no cap (still counted) */
    public ConnectionCounter(int capPerKey) {
        this.capPerKey = capPerKey;
    }

    /** Counts one more connection of {@code key}, unless that would pass the cap: then nothing is counted and false is answered. */
    public boolean tryAcquire(String key) {
        boolean[] admitted = {false};
        open.compute(key, (k, n) -> {
            int now = n == null ? 0 : n;
            if (capPerKey > 0 && now >= capPerKey) {
                return n;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (admitted[0]) {
            total.incrementAndGet();
        }
        return admitted[0];
    }

    /** One admitted connection of {@code key} closed. */
    public void release(String key) {
        boolean[] released = {false};
        open.computeIfPresent(key, (k, n) -> {
            released[0] = true;
            return n <= 1 ? null : n - 1;
        });
        if (released[0]) {
            total.decrementAndGet();
        }
    }

    /** Connections of {@code key} open now. */
    public int open(String key) {
        return open.getOrDefault(key, 0);
    }

    /** Connections open now, all keys. */
    public int total() {
        return total.get();
    }

    /** Keys with a connection open now (for tests: released keys must not linger). */
    int keys() {
        return open.size();
    }
}
