package io.relay.routing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A task queue")
class TaskQueueTest {

    @Test
    @DisplayName("starts each task only once the one before it has completed, in the order they were added")
    void oneAfterAnother() {
        TaskQueue queue = new TaskQueue();
        List<String> started = new ArrayList<>();
        Promise<Void> first = Promise.promise();
        queue.add(() -> {
            started.add("first");
            return first.future();
        });
        Future<String> second = queue.add(() -> {
            started.add("second");
            return Future.succeededFuture("done");
        });
        assertThat(started).containsExactly("first");
        first.complete();
        assertThat(started).containsExactly("first", "second");
        assertThat(second.result()).isEqualTo("done");
    }

    @Test
    @DisplayName("answers a task's failure, also one it throws, and goes on with the next")
    void failuresDoNotHoldUpTheRest() {
        TaskQueue queue = new TaskQueue();
        Future<Void> failed = queue.add(() -> Future.failedFuture("refused"));
        Future<Void> thrown = queue.add(() -> {
            throw new IllegalStateException("broken");
        });
        Future<Integer> next = queue.add(() -> Future.succeededFuture(3));
        assertThat(failed.cause()).hasMessage("refused");
        assertThat(thrown.cause()).isInstanceOf(IllegalStateException.class);
        assertThat(next.result()).isEqualTo(3);
    }

    @Test
    @DisplayName("tells whoever added a task of its outcome before the next task starts, also when it fails later")
    void outcomeBeforeTheNext() {
        TaskQueue queue = new TaskQueue();
        List<String> seen = new ArrayList<>();
        Promise<Void> first = Promise.promise();
        Future<Void> failed = queue.add(first::future);
        failed.onComplete(ar -> seen.add("first answered"));
        Future<Integer> next = queue.add(() -> {
            seen.add("second started");
            return Future.succeededFuture(2);
        });
        assertThat(seen).isEmpty();
        first.fail("gone");
        assertThat(seen).containsExactly("first answered", "second started");
        assertThat(failed.cause()).hasMessage("gone");
        assertThat(next.result()).isEqualTo(2);
    }

    @Test
    @DisplayName("runs a task at once when the tasks before it have completed, however they completed")
    void idleQueueRunsAtOnce() {
        TaskQueue queue = new TaskQueue();
        List<String> started = new ArrayList<>();
        queue.add(() -> Future.succeededFuture("at once"));
        Promise<Void> later = Promise.promise();
        queue.add(later::future);
        later.fail("refused");
        queue.add(() -> {
            started.add("third");
            return Future.succeededFuture();
        });
        assertThat(started).containsExactly("third");
    }
}
