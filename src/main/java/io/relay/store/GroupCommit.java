package io.relay.store;

import io.relay.vocabulary.FailureReason;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Group commit for every write of the node (messages, event-log appends, conversations, statuses, outbox),
 * of every device: writes wait here briefly and go to the database together, one {@link Flush} holding one
 * statement per kind, so under load the number of statements, round trips and commits per write falls as the
 * number of writes grows. Each caller is answered only once the flush holding its write committed.
 *
 * <p>A flush starts when the writes waiting reach {@link Settings#maxRows} rows or {@link Settings#behindBatch}
 * log appends, or when one has waited its window: {@link Settings#behindWait} for a phone event's log append
 * (already relayed, so only its phone's ack waits for it); for a browser's command ({@link #rides}),
 * {@link Settings#commandWait} while appends wait to be written, so that it shares their commit, else
 * {@link Settings#maxWait}; {@link Settings#maxWait} for every other write (a command's hand-over, a
 * confirmation); zero: as soon as the writes handed over together are taken in. Whatever starts a flush, it
 * takes every write waiting, oldest first, up to the row bound: each flush is one commit, with a cost of its
 * own beside its rows' (about 0.6 ms of the database's CPU, BENCHMARKS.md, 2026-12-05). No more than
 * {@link Settings#maxInFlight} flushes run at once: writes arriving meanwhile wait and go out together
 * when one finishes. With one in flight, the appends commit in the order they were handed over, which a
 * phone's pipelined events rely on (a status must not overtake the message it is about), and so do the
 * other writes. A write that is not answered within {@link Settings#timeout} fails as "storage
 * unavailable" (its statement may still commit later, as with any database that hangs).
 *
 * <p>Threads: {@link #submit} may be called from any thread. Writes are handed over through a concurrent
 * queue, and one task on this group commit's context (the persistence verticle's) takes them in; all other
 * state is touched on that context only. A caller is answered on its own context, with one task per context
 * and flush, so its code goes on on its own event loop.
 */
final class GroupCommit {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    private static final long SWEEP_MS = 250;

    /**
     * @param maxRows     rows (messages, conversations, or one per other write) that start a flush at once
     * @param maxWait     how long a write may wait for others before its flush starts; zero for none
     * @param behindWait  the same for a phone event's log append ({@link Write.Kind#MESSAGES}), written behind its relay
     * @param behindBatch log appends that start their flush at once, before the oldest has waited {@code behindWait}
     * @param commandWait how long a browser's command may wait to share the flush of the log appends waiting (never
     *                    less than {@code maxWait}); with none waiting, it waits {@code maxWait}
     * @param maxInFlight flushes running at once
     * @param timeout     how long a caller waits for its answer before it is told storage is unavailable
     */
    record Settings(int maxRows, Duration maxWait, Duration behindWait, int behindBatch, Duration commandWait, int maxInFlight,
                    Duration timeout) {
    }

    private final Vertx vertx;
    private final Context context;
    private final Flush flush;
    private final Settings settings;
    private final FlushObserver observer;
    private final long maxWaitNanos;
    private final long behindWaitNanos;
    private final long commandWaitNanos;
    private final long timeoutNanos;

    private final Queue<Write<?>> handedOver = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean takeScheduled = new AtomicBoolean();
    private volatile boolean closed;
    private final AtomicLong flushes = new AtomicLong();

    // On the context only:
    private final ArrayDeque<Write<?>> waiting = new ArrayDeque<>();
    private int waitingRows;
    /** How many of the waiting writes are log appends ({@link #isBehind}). */
    private int waitingAppends;
    /**
     * When the first of the waiting writes is due (System.nanoTime()), counting a browser's command as riding
     * along with log appends; Long.MAX_VALUE when none waits.
     */
    private long dueAtNanos = Long.MAX_VALUE;
    /** When the first waiting browser's command is due if no log append waits for it to ride along with. */
    private long aloneDueAtNanos = Long.MAX_VALUE;
    private long timerDueAtNanos = Long.MAX_VALUE;
    private boolean timerArmed;
    private boolean closing;
    private final List<List<Write<?>>> running = new ArrayList<>();
    private final long sweeper;

    /** Created on {@code context}. */
    GroupCommit(Vertx vertx, Context context, Pool pool, Settings settings, FlushObserver observer) {
        this.vertx = vertx;
        this.context = context;
        this.flush = new Flush(pool);
        this.settings = settings;
        this.observer = observer;
        this.maxWaitNanos = settings.maxWait().toNanos();
        this.behindWaitNanos = settings.behindWait().toNanos();
        this.commandWaitNanos = Math.max(maxWaitNanos, settings.commandWait().toNanos());
        this.timeoutNanos = settings.timeout().toNanos();
        this.sweeper = vertx.setPeriodic(SWEEP_MS, id -> sweep());
    }

    /** Hands a write over; its future completes on the caller's context once committed, or failed. */
    <T> Future<T> submit(Write<T> write) {
        if (closed) {
            return Future.failedFuture(notRunning());
        }
        write.queuedAtNanos = System.nanoTime();
        handedOver.add(write);
        if (closed && handedOver.remove(write)) {
            return Future.failedFuture(notRunning()); // closed meanwhile, and the last take-in missed it
        }
        if (takeScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> takeIn());
        }
        return write.future();
    }

    /** Flushes started so far (for tests). */
    long flushes() {
        return flushes.get();
    }

    boolean closed() {
        return closed;
    }

    /**
     * Flushes what waits without waiting for more, and completes once no flush runs and none of {@code others}
     * (the store's direct statements) does, or after {@code drain}, saying what it gave up on; true if everything
     * finished. From then on every write fails as "storage not running". Called on the context.
     */
    Future<Boolean> close(Duration drain, RunningStatements others) {
        closing = true;
        takeIn();
        Promise<Boolean> idle = Promise.promise();
        awaitIdle(idle, System.nanoTime(), drain.toNanos(), others);
        return idle.future().onComplete(ar -> {
            closed = true;
            vertx.cancelTimer(sweeper);
            takeIn(); // fails whatever still waits
        });
    }

    private void awaitIdle(Promise<Boolean> idle, long startedNanos, long drainNanos, RunningStatements others) {
        boolean idleNow = waiting.isEmpty() && handedOver.isEmpty() && running.isEmpty() && others.idle();
        long now = System.nanoTime();
        if (idleNow || now - startedNanos > drainNanos) {
            if (!idleNow) {
                OptionalLong oldest = running.stream().flatMap(List::stream).mapToLong(w -> w.queuedAtNanos).min();
                String flushing = oldest.isPresent() ? " (the oldest write handed over " + (now - oldest.getAsLong()) / 1_000_000 + " ms ago)" : "";
                String direct = others.describe();
                LOG.warn("closing storage after {} ms with {} write(s) waiting, {} flush(es) running{}{}", (now - startedNanos) / 1_000_000,
                        waiting.size() + handedOver.size(), running.size(), flushing, direct.isEmpty() ? "" : " and reads or direct writes running: " + direct);
            }
            idle.complete(idleNow);
        } else {
            vertx.setTimer(20, id -> awaitIdle(idle, startedNanos, drainNanos, others));
        }
    }

    private void takeIn() {
        takeScheduled.set(false);
        for (Write<?> w; (w = handedOver.poll()) != null; ) {
            waiting.add(w);
            waitingRows += w.rows();
            waitingAppends += isBehind(w) ? 1 : 0;
            noteDue(w);
        }
        if (closed) {
            List<Write<?>> refused = new ArrayList<>(waiting);
            waiting.clear();
            waitingRows = 0;
            waitingAppends = 0;
            recomputeDue();
            answer(refused, w -> w.answer(notRunning()));
            return;
        }
        flushDue();
    }

    private void noteDue(Write<?> w) {
        dueAtNanos = Math.min(dueAtNanos, w.queuedAtNanos + (isBehind(w) ? behindWaitNanos : rides(w) ? commandWaitNanos : maxWaitNanos));
        if (rides(w)) {
            aloneDueAtNanos = Math.min(aloneDueAtNanos, w.queuedAtNanos + maxWaitNanos);
        }
    }

    /** When the next flush is due: a browser's command waits for the log appends only while some wait. */
    private long dueAt() {
        return waitingAppends > 0 ? dueAtNanos : Math.min(dueAtNanos, aloneDueAtNanos);
    }

    /** A phone event's log append (with what it stores together): relayed already, written behind. */
    private static boolean isBehind(Write<?> w) {
        return w.kind() == Write.Kind.MESSAGES;
    }

    /**
     * A browser's command, handed straight to its phone or queued for it: it rides along with the log appends
     * waiting. At 150 commands a second beside 1,500 phone events, a flush of their own every 2 ms was half the
     * node's commits (BENCHMARKS.md, 2026-12-05); waiting for the appends' flush costs the browser's send a few
     * milliseconds more. A command's hand-over to a phone that reconnects does not ride: it runs one command
     * after another, each waiting for its commit. A sequence's release, which nobody waits for, rides too.
     */
    private static boolean rides(Write<?> w) {
        return w.kind() == Write.Kind.OUTBOX_DELIVER || w.kind() == Write.Kind.OUTBOX_ENQUEUE || w.kind() == Write.Kind.SEQ_RELEASE;
    }

    private void flushDue() {
        while (!waiting.isEmpty() && running.size() < settings.maxInFlight()) {
            long due = dueAt();
            if (!closing && waitingRows < settings.maxRows() && waitingAppends < settings.behindBatch() && System.nanoTime() < due) {
                armTimer(due);
                return;
            }
            start(take());
        }
    }

    /** A timer for {@code atNanos}, unless one is armed for no later. */
    private void armTimer(long atNanos) {
        if (timerArmed && timerDueAtNanos <= atNanos) {
            return;
        }
        timerArmed = true;
        timerDueAtNanos = atNanos;
        vertx.timer(Math.max(1, atNanos - System.nanoTime()), TimeUnit.NANOSECONDS).onComplete(ar -> {
            if (timerDueAtNanos == atNanos) {
                timerArmed = false;
                timerDueAtNanos = Long.MAX_VALUE;
            }
            flushDue();
        });
    }

    /** The writes of the next flush: every write waiting, oldest first, up to the row bound (a single bigger write goes alone). */
    private List<Write<?>> take() {
        List<Write<?>> group = new ArrayList<>();
        int rows = 0;
        for (Iterator<Write<?>> it = waiting.iterator(); it.hasNext(); ) {
            Write<?> next = it.next();
            if (!group.isEmpty() && rows + next.rows() > settings.maxRows()) {
                break;
            }
            it.remove();
            group.add(next);
            rows += next.rows();
            waitingAppends -= isBehind(next) ? 1 : 0;
        }
        waitingRows -= rows;
        recomputeDue();
        return group;
    }

    private void recomputeDue() {
        dueAtNanos = Long.MAX_VALUE;
        aloneDueAtNanos = Long.MAX_VALUE;
        for (Write<?> w : waiting) {
            noteDue(w);
        }
    }

    private void start(List<Write<?>> group) {
        running.add(group);
        flushes.incrementAndGet();
        long started = System.nanoTime();
        long waited = started - group.get(0).queuedAtNanos; // the oldest: take() hands them out in arrival order
        flush.run(group).onComplete(ar -> {
            running.remove(group);
            observer.flushed(group.size(), waited, System.nanoTime() - started,
                    group.stream().allMatch(w -> w.stagedFailure() == null));
            answer(group, Write::answer);
            flushDue();
        });
    }

    /** Fails the callers that waited longer than the timeout; their writes are not taken back. */
    private void sweep() {
        long now = System.nanoTime();
        while (!waiting.isEmpty() && now - waiting.peek().queuedAtNanos > timeoutNanos) {
            Write<?> stale = waiting.poll();
            waitingRows -= stale.rows();
            waitingAppends -= isBehind(stale) ? 1 : 0;
            answer(List.of(stale), w -> w.answer(timedOut()));
        }
        recomputeDue();
        List<Write<?>> late = new ArrayList<>();
        for (List<Write<?>> group : running) {
            for (Write<?> w : group) {
                if (!w.timedOut && now - w.queuedAtNanos > timeoutNanos) {
                    w.timedOut = true;
                    late.add(w);
                }
            }
        }
        answer(late, w -> w.answer(timedOut()));
    }

    /** Runs {@code how} for each write on its caller's context: one task per context. */
    private void answer(List<Write<?>> writes, Consumer<Write<?>> how) {
        Map<Context, List<Write<?>>> byContext = new IdentityHashMap<>();
        for (Write<?> w : writes) {
            if (w.context == null || w.context == context) {
                how.accept(w);
            } else {
                byContext.computeIfAbsent(w.context, c -> new ArrayList<>()).add(w);
            }
        }
        byContext.forEach((ctx, list) -> ctx.runOnContext(v -> list.forEach(how)));
    }

    private static StoreException notRunning() {
        return new StoreException(FailureReason.STORAGE_UNAVAILABLE, "storage is not running");
    }

    private StoreException timedOut() {
        return new StoreException(FailureReason.STORAGE_UNAVAILABLE, "storage did not answer in " + settings.timeout().toMillis() + " ms");
    }
}
