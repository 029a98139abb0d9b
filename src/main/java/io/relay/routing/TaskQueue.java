package io.relay.routing;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.function.Supplier;

/**
 * Tasks that run one after another, each once the one before has completed, whether it succeeded or not:
 * one client's events, or the commands handed to one phone. Confined to the client's context.
 */
final class TaskQueue {
    private Future<Void> tail = Future.succeededFuture();

    /** Runs {@code task} after every task added before it; completes with the task's outcome. */
    <T> Future<T> add(Supplier<Future<T>> task) {
        Promise<T> outcome = Promise.promise();
        tail = tail.transform(previous -> {
            Future<T> result;
            try {
                result = task.get();
            } catch (RuntimeException e) {
                result = Future.failedFuture(e);
            }
            result.onComplete(outcome);
            return result.<Void>mapEmpty().otherwiseEmpty();
        });
        return outcome.future();
    }
}
