package io.relay.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;

/**
 * One caller's write, handed to the {@link GroupCommit}: what to write, already checked and encoded on the
 * caller's thread, and the caller's promise.
 *
 * <p>Threads: a write is built on the caller's thread and handed over through a concurrent queue; from then
 * on its outcome is staged on the group commit's context only, and answered on the caller's own context
 * (where it was built), so the caller continues on its event loop as if it had called the database itself.
 */
abstract class Write<T> {

    /** The kinds of write, in the order their statements run within one flush. */
    enum Kind {
        // OUTBOX_DELIVER after OUTBOX_ENQUEUE: a command delivered straight to the phone sees the pending ones
        // queued in the same flush (each statement of the transaction sees the ones before) and waits behind them.
        // SEQ_RELEASE last: a release follows its phone's last events (it is handed over once they settled).
        MESSAGES, CONVERSATIONS, STATUSES, OUTBOX_ENQUEUE, OUTBOX_DELIVER, OUTBOX_CLAIM, OUTBOX_CONFIRM, SEQ_RELEASE
    }

    private final Promise<T> promise = Promise.promise();
    /** The caller's context, where its answer is delivered; null for a caller off Vert.x's threads (tests). */
    final Context context = Vertx.currentContext();
    /** When it was handed over, for the flush time bound and the storage timeout. */
    long queuedAtNanos;
    /** The caller was already told the storage did not answer in time; nothing else is sent. */
    boolean timedOut;
    private T result;
    private Throwable failure;

    abstract Kind kind();

    /** Rows it adds to a flush, counted against the flush's size bound. */
    int rows() {
        return 1;
    }

    /** The writes a flush stores for it, each in the batch of its kind: itself, or the parts of a {@link Together}. */
    List<Write<?>> parts() {
        return List.of(this);
    }

    final Future<T> future() {
        return promise.future();
    }

    /** The outcome of its statement, answered only once the statement's transaction committed. */
    final void stage(T value) {
        result = value;
        failure = null;
    }

    final void stageFailure(Throwable error) {
        failure = error;
    }

    /** On the caller's context: hands it the staged outcome. */
    final void answer() {
        Throwable failed = stagedFailure();
        if (failed != null) {
            promise.tryFail(failed);
        } else {
            promise.tryComplete(staged());
        }
    }

    T staged() {
        return result;
    }

    Throwable stagedFailure() {
        return failure;
    }

    /** On the caller's context: fails it now, whatever its statement does later. */
    final void answer(Throwable error) {
        promise.tryFail(error);
    }
}
