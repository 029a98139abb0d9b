package io.relay.store;

import io.vertx.core.Future;

/**
 * A device's sequence held as a phone's node holds it, for tests that log events: taken over once, then each
 * event numbered from the block in turn, naming the one before (the highest stored at the takeover, first).
 * A test that needs more numbers than one block holds says so by failing.
 */
final class SequenceHolder {
    /** Enough for any test's events; a larger block would only be refused by the store's bound. */
    static final int BLOCK = 1_000;

    private final Store.SeqBlock block;
    private long prev;
    private long next;

    private SequenceHolder(Store.SeqBlock block) {
        this.block = block;
        this.prev = block.stored();
        this.next = block.from();
    }

    /** Takes the device's sequence over, fencing off whoever held it before. */
    static Future<SequenceHolder> takeOver(Store store, String deviceId) {
        return store.takeOverSeq(deviceId, null, null, BLOCK).map(SequenceHolder::new);
    }

    /** The next event's place in the log. */
    synchronized Store.LogEntry next(String event) {
        if (next > block.to()) {
            throw new IllegalStateException("the test numbered more events than a block of " + BLOCK + " holds");
        }
        Store.LogEntry entry = new Store.LogEntry(event, block.epoch(), next, prev);
        prev = next++;
        return entry;
    }

    Store.SeqBlock block() {
        return block;
    }

    long epoch() {
        return block.epoch();
    }
}
