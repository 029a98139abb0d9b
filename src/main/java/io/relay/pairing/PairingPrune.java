package io.relay.pairing;

import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * Deletes pairings a day after their QR expired, so that {@code pairing_tokens} holds about a day of QRs instead of every
 * one ever shown (the web app asks for a new QR every few minutes for as long as it shows one).
 *
 * <p>Nothing reads a pairing that long after its expiry: a scan is refused from the expiry on, and the only wait-pairing
 * long-poll that may still collect a scanned pairing's session is one that started before the expiry, which answers within
 * moments of it. The session a scan made is a row of its own and stays. A browser that still asks about a pruned token
 * hears "unknown token" (404) where it heard "timeout" (408) or "already collected" (410).
 *
 * <p>Every node sweeps on its own timer, with no coordination: two sweeps at once pick the same rows, and the second
 * delete of a row finds nothing to delete. A sweep never fails anything else; a failed one is logged and the next tries
 * again.
 */
public final class PairingPrune {
    private static final Logger log = LoggerFactory.getLogger(PairingPrune.class);
    /** How long a pairing is kept after its QR expired: far longer than any long-poll that could still collect it. */
    static final Duration EXPIRED_KEPT = Duration.ofDays(1);
    /** Pairings deleted per sweep at most (the store's largest batch): a first sweep over a long backlog stays a short statement. */
    static final int PRUNE_BATCH = Store.MAX_LOAD;
    /** Between two sweeps of one node. A sweep with nothing to delete is one probe of the index of expiries. */
    public static final Duration EVERY = Duration.ofMinutes(1);

    private final Vertx vertx;
    private final String nodeId;
    private final Store store;
    private final Duration every;
    private long timer = -1;

    public PairingPrune(Vertx vertx, String nodeId, Store store) {
        this(vertx, nodeId, store, EVERY);
    }

    /** Sweeping every {@code every} instead: tests cannot wait a minute for a sweep. */
    public PairingPrune(Vertx vertx, String nodeId, Store store, Duration every) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.store = store;
        this.every = every;
    }

    /** Sweeps every {@link #EVERY} from now on, until {@link #stop()}. */
    public synchronized void start() {
        if (timer == -1) {
            timer = vertx.setPeriodic(every.toMillis(), id -> sweep());
        }
    }

    public synchronized void stop() {
        if (timer != -1) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** One sweep: how many pairings it deleted; 0 when it failed (logged). */
    Future<Integer> sweep() {
        return store.prunePairingTokens(Instant.now().minus(EXPIRED_KEPT), PRUNE_BATCH)
                .onSuccess(pruned -> {
                    if (pruned > 0) {
                        log.info("pairing tokens pruned node={} expired={} keptFor={}", nodeId, pruned, EXPIRED_KEPT);
                    }
                })
                .recover(e -> {
                    log.warn("pairing token prune failed node={}: {}", nodeId, e.getMessage());
                    return Future.succeededFuture(0);
                });
    }
}
