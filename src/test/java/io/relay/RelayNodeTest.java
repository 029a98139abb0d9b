package io.relay;

import io.relay.cluster.Membership;
import io.relay.config.RelayConfig;
import io.relay.pairing.PairingSecrets;
import io.relay.store.FreshStorage;
import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a started node runs besides its servers, on a database shared with the test's own storage. How each
 * part behaves has its own test; these check that the node starts it.
 */
@DisplayName("A relay node")
class RelayNodeTest {
    private static final Duration FAST = Duration.ofMillis(20);

    @RegisterExtension
    final FreshStorage storage = new FreshStorage();

    @Test
    @DisplayName("started, deletes on its own the pairings whose QR expired more than a day ago, and keeps those that expired since")
    void prunesPairings() throws Exception {
        String old = pairing(Instant.now().minus(Duration.ofDays(2)));
        String recent = pairing(Instant.now().minus(Duration.ofHours(1)));
        RelayConfig config = TestConfigs.forDatabase(storage.databaseUrl());
        Vertx vertx = Vertx.vertx();
        try {
            RelayNode node = await(RelayNode.start(vertx, config, Membership.standalone(config.nodeId()), FAST));
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (await(store().findPairingToken(old)).isPresent()) {
                    assertThat(System.nanoTime()).as("the node pruned the old pairing within 5 s").isLessThan(deadline);
                    Thread.sleep(FAST.toMillis());
                }
                assertThat(await(store().findPairingToken(recent))).as("expired within the day").isPresent();
            } finally {
                await(node.close());
            }
        } finally {
            await(vertx.close());
        }
    }

    private Store store() {
        return storage.store();
    }

    /** A new pairing whose QR expires at {@code expiresAt}: its waiter token. */
    private String pairing(Instant expiresAt) throws Exception {
        String token = UUID.randomUUID().toString();
        await(store().createPairingToken(token, UUID.randomUUID().toString(), PairingSecrets.hash(token), expiresAt));
        return token;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
