package io.relay.routing;

import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The numbers of one registered phone connection's events, handed out on the node that holds the socket so
 * that an event is relayed before it is stored (the write follows behind, batched). The numbers come from
 * blocks reserved in the device row beforehand, so a number is never handed out twice, whatever node dies:
 * registering takes the sequence over (a new epoch, which fences off the previous holder's appends, and a
 * block past everything reserved before); numbers a dead holder reserved and never stored are skipped, and
 * each event names the number before it ({@link Store.LogEntry#prev}) so readers tell a skip from a loss.
 *
 * <p>It also knows which of its numbers are stored: {@link #settled} completes once every write handed to
 * it so far has completed, which a browser's resume waits for on the phone's node (see
 * {@link PhoneRoutes#SETTLE}), so that an event relayed before the browser subscribed and stored after its
 * read cannot slip between the two.
 *
 * <p>Confined to the phone socket's context (events are handled there one by one, and the store answers there).
 */
final class PhoneSequence {
    private static final Logger log = LoggerFactory.getLogger(PhoneSequence.class);
    /** Numbers reserved at once: one row update per this many events of a phone. */
    static final int BLOCK = 1_000;

    private final Store store;
    private final String deviceId;
    private final long epoch;
    /** The last number handed out, or the highest one stored when the sequence was taken over. */
    private long prev;
    private long next;
    private long blockEnd;
    private Future<Void> extending;
    /** Completes once every write tracked so far has. */
    private Future<Void> writes = Future.succeededFuture();

    private PhoneSequence(Store store, String deviceId, Store.SeqBlock block) {
        this.store = store;
        this.deviceId = deviceId;
        this.epoch = block.epoch();
        this.prev = block.stored();
        this.next = block.from();
        this.blockEnd = block.to();
    }

    /**
     * Takes the device's sequence over for a newly registered connection on this node, recording the device (its
     * name and model, when given, and that it was seen) in the same write.
     */
    static Future<PhoneSequence> takeOver(Store store, String nodeId, String deviceId, String deviceName, String deviceModel) {
        return store.takeOverSeq(deviceId, deviceName, deviceModel, BLOCK).map(block -> {
            if (block.from() > block.stored() + 1) {
                // A holder that died (or whose writes failed) reserved these and never stored them: no event
                // has them, and readers of the log step over them (the next event names the one before).
                log.info("sequence taken over node={} device={} epoch={}: numbers {}..{} were never stored and are skipped",
                        nodeId, deviceId, block.epoch(), block.stored() + 1, block.from() - 1);
            }
            return new PhoneSequence(store, deviceId, block);
        });
    }

    /** The next event's place in the log; at once while the block lasts, after reserving the next one otherwise. */
    Future<Store.LogEntry> next(String event) {
        if (next > blockEnd) {
            return extend().map(v -> hand(event));
        }
        if (blockEnd - next < BLOCK / 4 && extending == null) {
            extend(); // ahead of need, so the phone's events do not wait for it
        }
        return Future.succeededFuture(hand(event));
    }

    private Store.LogEntry hand(String event) {
        Store.LogEntry entry = new Store.LogEntry(event, epoch, next, prev);
        prev = next;
        next++;
        return entry;
    }

    /** Takes back the number just handed out, for an event refused before it was relayed or written. */
    void unwind(Store.LogEntry entry) {
        if (entry.seq() == prev && entry.seq() == next - 1) {
            next = entry.seq();
            prev = entry.prev();
        }
    }

    private Future<Void> extend() {
        if (extending == null) {
            Future<Void> reserved = store.extendSeq(deviceId, epoch, BLOCK).map(end -> {
                blockEnd = end; // contiguous: only this epoch's holder reserves, and it still holds it
                return (Void) null;
            });
            extending = reserved;
            reserved.onComplete(ar -> {
                if (extending == reserved) {
                    extending = null; // the next one may be asked for (or, after a failure, tried again)
                }
            });
        }
        return extending;
    }

    /** Remembers a write of one of its events; answers it as it is. */
    Future<Void> track(Future<Void> write) {
        Future<Void> done = write.otherwiseEmpty();
        writes = writes.isComplete() ? done : Future.join(writes, done).mapEmpty();
        return write;
    }

    /** Completes, with the last number handed out, once every write tracked before this call has completed (stored or not). */
    Future<Long> settled() {
        long last = prev;
        Promise<Long> settled = Promise.promise();
        writes.onComplete(ar -> settled.complete(last));
        return settled.future();
    }

    /**
     * The connection is going: once its writes settled, the numbers reserved past the last one handed out go
     * back, so the phone's next connection goes on without a gap. Completes once settled; the release itself
     * is best effort (a gap is only a skip).
     */
    Future<Void> close(String nodeId) {
        return settled().map(last -> {
            store.releaseSeq(deviceId, epoch, last).onFailure(e -> log.debug(
                    "releasing the sequence failed node={} device={} epoch={}: {}", nodeId, deviceId, epoch, e.getMessage()));
            return null;
        });
    }

    long epoch() {
        return epoch;
    }
}
