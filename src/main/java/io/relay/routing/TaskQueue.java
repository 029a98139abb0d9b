package io.relay.routing;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.function.Supplier;

/**
 * Tasks that run one after another, each once the one before has completed, whether it succeeded or not:
 * one client's events, or the commands handed to one phone. Confined to the client's context.
 */
final class TaskQueue {
    private static final Future<Void> IDLE = Future.succeededFuture();

    private Future<Void> tail = IDLE;

    /** Runs {@code task} after every task added before it; completes with the task's outcome. */
    <T> Future<T> add(Supplier<Future<T>> task) {
        if (tail.isComplete()) {
            // No task is running: this one runs now, and one that completes at once (a phone's event, numbered,
            // relayed and handed to the group commit) leaves the queue idle without a future chained for it.
            Future<T> result = run(task);
            if (result.isComplete()) {
                return result;
            }
            Promise<T> outcome = Promise.promise();
            tail = handOn(result, outcome);
            return outcome.future();
        }
        Promise<T> outcome = Promise.promise();
        tail = tail.transform(previous -> handOn(run(task), outcome));
        return outcome.future();
    }

    /** The task's outcome goes to whoever added it, and then (the future answered) to the next task. */
    private static <T> Future<Void> handOn(Future<T> result, Promise<T> outcome) {
        result.onComplete(outcome);
        return result.<Void>mapEmpty().otherwiseEmpty();
    }

    private static <T> Future<T> run(Supplier<Future<T>> task) {
        try {
            return task.get();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
