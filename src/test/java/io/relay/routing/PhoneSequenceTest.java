package io.relay.routing;

import io.relay.store.InMemoryStore;
import io.relay.store.Store;
import io.relay.store.StoreException;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How a phone connection numbers its events before they are stored, over the in-memory store (which keeps
 * the real one's contract, see {@code StoreContractTest}). Each step runs on one Vert.x context, as a
 * phone socket's events do.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A phone connection's sequence")
class PhoneSequenceTest {
    private static final String PHONE = "phone-1";

    private Vertx vertx;
    private final Store store = new InMemoryStore();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        on(() -> store.upsertDevice(PHONE, "Pixel", "Pixel 8"));
    }

    /** Runs {@code step} on a context of its own and waits for the Future it returns. */
    private <T> T on(Callable<Future<T>> step) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> {
            try {
                step.call().onComplete(ar -> {
                    if (ar.succeeded()) {
                        result.complete(ar.result());
                    } else {
                        result.completeExceptionally(ar.cause());
                    }
                });
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    private PhoneSequence takeOver() throws Exception {
        return on(() -> PhoneSequence.takeOver(store, "n1", PHONE, "Pixel", "Pixel 8"));
    }

    /** Hands out {@code n} numbers, storing each event as the relay does. */
    private List<Store.LogEntry> handOut(PhoneSequence sequence, int n) throws Exception {
        List<Store.LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Store.LogEntry entry = on(() -> sequence.next("messages:sync"));
            on(() -> sequence.track(store.saveMessagesAndLog(PHONE, new JsonArray(), entry, "{}")));
            entries.add(entry);
        }
        return entries;
    }

    @Test
    @DisplayName("hands out increasing numbers, each naming the one before it; the first names the highest number stored")
    void numbersInOrder() throws Exception {
        List<Store.LogEntry> first = handOut(takeOver(), 3);
        assertThat(first).extracting(Store.LogEntry::seq).containsExactly(1L, 2L, 3L);
        assertThat(first).extracting(Store.LogEntry::prev).containsExactly(0L, 1L, 2L);
        assertThat(on(() -> store.lastSeq(PHONE))).isEqualTo(3);
    }

    @Test
    @DisplayName("reserves the next block before the current one runs out, so the numbers go on without a gap")
    void blocksFollowEachOther() throws Exception {
        PhoneSequence sequence = takeOver();
        List<Store.LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < PhoneSequence.BLOCK * 2 + 10; i++) {
            entries.add(on(() -> sequence.next("messages:sync")));
        }
        for (int i = 0; i < entries.size(); i++) {
            assertThat(entries.get(i).seq()).isEqualTo(i + 1);
            assertThat(entries.get(i).epoch()).isEqualTo(sequence.epoch());
        }
    }

    @Test
    @DisplayName("a number taken back (the event was refused before it was relayed) is handed out again, to the next event")
    void unwind() throws Exception {
        PhoneSequence sequence = takeOver();
        handOut(sequence, 1);
        Store.LogEntry refused = on(() -> sequence.next("messages:sync"));
        sequence.unwind(refused);
        Store.LogEntry next = on(() -> sequence.next("messages:sync"));
        assertThat(next).isEqualTo(refused);
    }

    @Test
    @DisplayName("is settled only once every write handed to it before has completed, stored or failed")
    void settledWaitsForWrites() throws Exception {
        PhoneSequence sequence = takeOver();
        Promise<Void> slow = Promise.promise();
        Promise<Void> failing = Promise.promise();
        on(() -> sequence.next("messages:sync").map(e -> sequence.track(slow.future())).mapEmpty());
        on(() -> sequence.next("messages:sync").map(e -> sequence.track(failing.future())).mapEmpty());
        CompletableFuture<Long> settled = new CompletableFuture<>();
        vertx.runOnContext(v -> sequence.settled().onSuccess(settled::complete));
        failing.fail("the database went away");
        Thread.sleep(100);
        assertThat(settled).isNotDone();
        slow.complete();
        assertThat(settled.get(5, TimeUnit.SECONDS)).as("the last number handed out").isEqualTo(2);
    }

    @Test
    @DisplayName("a connection that closes gives its unused numbers back: the next one goes on right after its last")
    void closingGivesBack() throws Exception {
        PhoneSequence first = takeOver();
        handOut(first, 2);
        on(() -> first.close("n1"));
        Thread.sleep(50); // the release is not awaited by close
        List<Store.LogEntry> next = handOut(takeOver(), 1);
        assertThat(next.get(0).seq()).isEqualTo(3);
        assertThat(next.get(0).prev()).isEqualTo(2);
    }

    @Test
    @DisplayName("after a takeover the numbers another connection reserved are skipped, never reused; its writes and next blocks are refused")
    void takenOver() throws Exception {
        PhoneSequence old = takeOver();
        handOut(old, 2);
        PhoneSequence current = takeOver(); // the phone reconnected before the old connection closed
        Store.LogEntry late = on(() -> old.next("messages:sync"));
        assertThatThrownBy(() -> on(() -> store.saveMessagesAndLog(PHONE, new JsonArray(), late, "{}")))
                .hasCauseInstanceOf(StoreException.class)
                .cause().satisfies(e -> assertThat(((StoreException) e).reason()).isEqualTo(FailureReason.SUPERSEDED));
        List<Store.LogEntry> next = handOut(current, 1);
        assertThat(next.get(0).seq()).as("past the old connection's whole block").isEqualTo(PhoneSequence.BLOCK + 1);
        assertThat(next.get(0).prev()).as("the last number stored").isEqualTo(2);
        assertThat(on(() -> store.eventsSince(PHONE, 0, 10))).extracting(e -> ((JsonObject) e).getLong("seq"))
                .containsExactly(1L, 2L, (long) PhoneSequence.BLOCK + 1);
        for (long handed = late.seq(); handed < PhoneSequence.BLOCK; handed++) {
            on(() -> old.next("messages:sync")); // what is left of its block
        }
        assertThatThrownBy(() -> on(() -> old.next("messages:sync")))
                .cause().satisfies(e -> assertThat(((StoreException) e).reason()).isEqualTo(FailureReason.SUPERSEDED));
    }
}
