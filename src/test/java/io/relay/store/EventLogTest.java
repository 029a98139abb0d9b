package io.relay.store;

import io.relay.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("The per-device event log")
class EventLogTest {

    @Test
    @DisplayName("numbers concurrent appends of one device 1, 2, 3... without gaps or repeats, each device on its own, and reads them back in order")
    void gapFree(Vertx vertx, VertxTestContext ctx) {
        Storage.start(vertx, TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl())).compose(storage -> {
            Store store = storage.store();
            return Future.all(store.upsertDevice("a", null, null), store.upsertDevice("b", null, null)).compose(v -> {
                List<Future<Long>> appends = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    appends.add(store.saveMessagesAndLog(i % 4 == 0 ? "b" : "a", new JsonArray(), "messages:sync",
                            new JsonObject().put("n", i).encode()));
                }
                return Future.all(appends).map(all -> appends.stream().map(Future::result).toList());
            }).compose(seqs -> store.eventsSince("a", 25, 100).compose(tail -> store.lastSeq("a").map(last -> {
                ctx.verify(() -> {
                    List<Long> ofA = new ArrayList<>(), ofB = new ArrayList<>();
                    for (int i = 0; i < seqs.size(); i++) {
                        (i % 4 == 0 ? ofB : ofA).add(seqs.get(i));
                    }
                    assertThat(ofA).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 30).boxed().toList());
                    assertThat(ofB).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
                    assertThat(last).isEqualTo(30L);
                    assertThat(tail.stream().map(e -> ((JsonObject) e).getLong("seq")).toList())
                            .containsExactly(26L, 27L, 28L, 29L, 30L);
                });
                return null;
            }))).eventually(storage::close);
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("refuses to number an event of a device it does not know")
    void unknownDevice(Vertx vertx, VertxTestContext ctx) {
        Storage.start(vertx, TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl()))
                .compose(storage -> storage.store().saveMessagesAndLog("nobody", new JsonArray(), "messages:sync", "{}").eventually(storage::close))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).isInstanceOf(StoreException.class);
                    ctx.completeNow();
                })));
    }
}
