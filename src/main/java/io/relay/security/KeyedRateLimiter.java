package io.relay.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One {@link TokenBucket} per key (a client IP), node-wide and thread-safe. Buckets that have filled
 * up again are dropped now and then, so the map holds only clients seen recently.
 */
public final class KeyedRateLimiter {
    private static final int SWEEP_EVERY = 1024;

    private final int capacity;
    private final double perSecond;
    private final LongSupplier clock;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private int calls; // racy on purpose: only paces the sweep

    /** @param perMinute sustained requests per minute per key, also the burst allowed */
    public KeyedRateLimiter(int perMinute, LongSupplier clock) {
        this.capacity = perMinute;
        this.perSecond = perMinute / 60.0;
        this.clock = clock;
    }

    public KeyedRateLimiter(int perMinute) {
        this(perMinute, System::nanoTime);
    }

    public boolean tryAcquire(String key) {
        long now = clock.getAsLong();
        if (++calls % SWEEP_EVERY == 0) {
            buckets.values().removeIf(b -> b.full(now));
        }
        return buckets.computeIfAbsent(key, k -> new TokenBucket(capacity, perSecond, now)).tryTake(now);
    }

    /** Keys currently tracked (for tests). */
    int size() {
        return buckets.size();
    }
}
