package io.relay.routing;

import io.relay.store.InMemoryStore;
import io.relay.store.Store;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The outbox's retention")
class OutboxRetentionTest {
    @Test
    @DisplayName("a sweep asks the store to prune a batch the store accepts (it refuses more than its largest batch)")
    void pruneBatchTheStoreAccepts() throws Exception {
        Store store = new InMemoryStore();
        Integer pruned = store.pruneCommands(Instant.now().minus(Outbox.SETTLED_KEPT), Outbox.PRUNE_BATCH)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(pruned).isZero();
    }
}
