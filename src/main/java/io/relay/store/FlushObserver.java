package io.relay.store;

/**
 * Hears of each flush of the group commit once it is over, on the persistence verticle's event loop. The
 * node hands in its metrics' {@code storeFlush}; storage names no metrics library and no package above it.
 */
@FunctionalInterface
public interface FlushObserver {
    /** For tools and tests that start storage alone. */
    FlushObserver NONE = (writes, waitedNanos, tookNanos, committed) -> { };

    /**
     * @param writes      callers the flush answers
     * @param waitedNanos how long its oldest write waited for the flush to start
     * @param tookNanos   how long the database took for it
     * @param committed   whether every write of it was stored
     */
    void flushed(int writes, long waitedNanos, long tookNanos, boolean committed);
}
