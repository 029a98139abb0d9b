package io.relay.pairing;

import io.relay.LogCapture;
import io.relay.store.InMemoryStore;
import io.relay.store.Store;
import io.relay.store.StoreException;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Pruning pairings")
class PairingPruneTest {
    private static final Duration FAST = Duration.ofMillis(20);

    private final Store store = new InMemoryStore();

    @Test
    @DisplayName("started, a node deletes on its own timer the pairings whose QR expired more than a day ago, keeps those that "
            + "expired within the day and those still valid, and logs how many it deleted and for how long they were kept")
    void sweepsOnItsOwn(Vertx vertx) throws Exception {
        String old = pairing(Instant.now().minus(PairingPrune.EXPIRED_KEPT).minus(Duration.ofMinutes(1)));
        String recent = pairing(Instant.now().minus(PairingPrune.EXPIRED_KEPT).plus(Duration.ofMinutes(10)));
        String valid = pairing(Instant.now().plus(Duration.ofMinutes(5)));
        PairingPrune prune = new PairingPrune(vertx, "n1", store, FAST);
        try (LogCapture logs = new LogCapture()) {
            prune.start();
            String pruned = "INFO io.relay.pairing.PairingPrune: pairing tokens pruned node=n1 expired=1 keptFor=PT24H";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!logs.linesWithLevel().contains(pruned)) {
                assertThat(System.nanoTime()).as("the timer swept within 5 s").isLessThan(deadline);
                Thread.sleep(FAST.toMillis());
            }
            Thread.sleep(FAST.toMillis() * 5); // a few more sweeps, with nothing left to delete
            prune.stop();
            assertThat(await(store.findPairingToken(old))).as("expired more than a day ago").isEmpty();
            assertThat(await(store.findPairingToken(recent))).as("expired within the day").isPresent();
            assertThat(await(store.findPairingToken(valid))).as("still valid").isPresent();
            assertThat(logs.lines()).as("a sweep that deleted nothing says nothing").filteredOn(l -> l.contains("pruned")).hasSize(1);
        }
    }

    @Test
    @DisplayName("a sweep deletes at most a batch, the next one goes on from there")
    void boundedSweeps(Vertx vertx) throws Exception {
        for (int i = 0; i <= PairingPrune.PRUNE_BATCH; i++) {
            pairing(Instant.now().minus(Duration.ofDays(3)));
        }
        PairingPrune prune = new PairingPrune(vertx, "n1", store);
        assertThat(await(prune.sweep())).isEqualTo(PairingPrune.PRUNE_BATCH);
        assertThat(await(prune.sweep())).isEqualTo(1);
        assertThat(await(prune.sweep())).isZero();
    }

    @Test
    @DisplayName("stopped, a node sweeps no more")
    void stops(Vertx vertx) throws Exception {
        PairingPrune prune = new PairingPrune(vertx, "n1", store, FAST);
        prune.start();
        prune.stop();
        String old = pairing(Instant.now().minus(Duration.ofDays(3)));
        Thread.sleep(FAST.toMillis() * 10);
        assertThat(await(store.findPairingToken(old))).isPresent();
    }

    @Test
    @DisplayName("a sweep that storage refuses logs a warning and fails nothing: it answers that it deleted none")
    void failedSweep(Vertx vertx) throws Exception {
        Store down = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[]{Store.class},
                (proxy, method, args) -> Future.failedFuture(new StoreException(FailureReason.STORAGE_UNAVAILABLE, "storage is not running")));
        try (LogCapture logs = new LogCapture()) {
            assertThat(await(new PairingPrune(vertx, "n1", down).sweep())).isZero();
            assertThat(logs.linesWithLevel()).contains("WARN io.relay.pairing.PairingPrune: pairing token prune failed node=n1: storage is not running");
        }
    }

    /** A new pairing whose QR expires at {@code expiresAt}: its waiter token. */
    private String pairing(Instant expiresAt) throws Exception {
        String token = UUID.randomUUID().toString();
        await(store.createPairingToken(token, UUID.randomUUID().toString(), PairingSecrets.hash(token), expiresAt));
        return token;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
