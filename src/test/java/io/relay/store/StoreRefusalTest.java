package io.relay.store;

import io.relay.TestConfigs;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What storage says when PostgreSQL refuses a statement: the failure carries its code and our own
 * fixed words, never the database's message, which may reach a client. The requests here bypass the
 * gateway's validation on purpose, as a gap in it would.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Storage refusals")
class StoreRefusalTest {
    @RegisterExtension
    final FreshStorage storage = new FreshStorage();
    private Store store;

    @BeforeEach
    void store() {
        store = storage.store();
    }

    @Test
    @DisplayName("a NUL the database refuses fails as a bad request saying \"refused by the database\", without the database's text")
    void databaseTextStaysInside(VertxTestContext ctx) {
        List<Future<?>> attempts = List.of(
                store.upsertDevice("nul\u0000device", "name", "model"),
                store.upsertDevice("device-1", "nul\u0000name", "model"),
                store.upsertDevice("device-1", "name", "model").compose(v -> SequenceHolder.takeOver(store, "device-1"))
                        .compose(device -> store.saveMessagesAndLog("device-1", new JsonArray().add(new JsonObject().put("id", "m1")
                                .put("phoneNumber", "+1\u00005550100")), device.next("messages:sync"), "{}")));
        Future.join(attempts).onComplete(done -> ctx.verify(() -> {
            for (Future<?> attempt : attempts) {
                assertThat(attempt.failed()).isTrue();
                StoreException refused = (StoreException) attempt.cause();
                assertThat(refused.reason()).isEqualTo(FailureReason.INVALID_DATA);
                assertThat(refused.getMessage()).isEqualTo("refused by the database");
            }
            ctx.completeNow();
        }));
    }

    @Test
    @DisplayName("a request refused before the database keeps our own words, which name the field")
    void ownWordsKept(VertxTestContext ctx) {
        Store.LogEntry entry = new Store.LogEntry("messages:sync", 1, 1, 0);
        store.saveMessagesAndLog("device-1", new JsonArray().add(new JsonObject().put("body", "no id")), entry, "{}").onComplete(ar -> ctx.verify(() -> {
            assertThat(ar.failed()).isTrue();
            assertThat(((StoreException) ar.cause()).reason()).isEqualTo(FailureReason.INVALID_DATA);
            assertThat(ar.cause().getMessage()).isEqualTo("messages[0].id must be a non-empty string or a number");
            ctx.completeNow();
        }));
    }
}
