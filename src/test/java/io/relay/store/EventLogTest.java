package io.relay.store;

import io.relay.TestConfigs;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("The per-device event log")
class EventLogTest {

    private static List<Long> field(JsonArray events, String name) {
        return events.stream().map(e -> ((JsonObject) e).getLong(name)).toList();
    }

    @Test
    @DisplayName("logs concurrent appends of two devices under the numbers their holders gave, each device on its own, and reads them back in order")
    void concurrentAppends(Vertx vertx, VertxTestContext ctx) {
        List<Integer> ofA = IntStream.range(0, 40).filter(i -> i % 4 != 0).boxed().toList();
        Storage.start(vertx, TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl())).compose(storage -> {
            Store store = storage.store();
            return Future.all(store.upsertDevice("a", null, null), store.upsertDevice("b", null, null))
                    .compose(v -> Future.all(SequenceHolder.takeOver(store, "a"), SequenceHolder.takeOver(store, "b")))
                    .compose(holders -> {
                        SequenceHolder a = holders.resultAt(0), b = holders.resultAt(1);
                        List<Future<Void>> appends = new ArrayList<>();
                        for (int i = 0; i < 40; i++) {
                            boolean toB = i % 4 == 0;
                            appends.add(store.saveMessagesAndLog(toB ? "b" : "a", new JsonArray(), (toB ? b : a).next("messages:sync"),
                                    new JsonObject().put("n", i).encode()));
                        }
                        return Future.all(appends);
                    })
                    .compose(v -> Future.all(store.eventsSince("a", 25, 100), store.eventsSince("b", 0, 100), store.lastSeq("a"), store.lastSeq("b")))
                    .map(read -> {
                        ctx.verify(() -> {
                            JsonArray tailOfA = read.resultAt(0), allOfB = read.resultAt(1);
                            assertThat(field(tailOfA, "seq")).containsExactly(26L, 27L, 28L, 29L, 30L);
                            assertThat(field(tailOfA, "prev")).containsExactly(25L, 26L, 27L, 28L, 29L);
                            assertThat(tailOfA.stream().map(e -> ((JsonObject) e).getJsonObject("payload").getInteger("n")).toList())
                                    .as("the calls a's 26th to 30th events came from").isEqualTo(ofA.subList(25, 30));
                            assertThat(field(allOfB, "seq")).isEqualTo(LongStream.rangeClosed(1, 10).boxed().toList());
                            assertThat((Long) read.resultAt(2)).isEqualTo(30L);
                            assertThat((Long) read.resultAt(3)).isEqualTo(10L);
                        });
                        return null;
                    })
                    .eventually(storage::close);
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("takeovers racing for one device (its phone connecting to several nodes at once) each get an epoch and a block of their own, "
            + "and only the last one's appends are logged")
    void racingTakeovers(Vertx vertx, VertxTestContext ctx) {
        int racers = 6;
        Storage.start(vertx, TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl())).compose(storage -> {
            Store store = storage.store();
            List<Future<SequenceHolder>> takeovers = new ArrayList<>();
            return store.upsertDevice("d", null, null)
                    .compose(v -> {
                        for (int i = 0; i < racers; i++) {
                            takeovers.add(SequenceHolder.takeOver(store, "d"));
                        }
                        return Future.all(takeovers);
                    })
                    .compose(v -> {
                        List<Future<Object>> appends = new ArrayList<>();
                        for (Future<SequenceHolder> holder : takeovers) {
                            appends.add(store.saveMessagesAndLog("d", new JsonArray(), holder.result().next("messages:sync"), "{}")
                                    .transform(ar -> Future.succeededFuture(ar.succeeded() ? "ok" : ((StoreException) ar.cause()).reason())));
                        }
                        return Future.all(appends).map(all -> appends.stream().map(Future::result).toList());
                    })
                    .compose(outcomes -> store.eventsSince("d", 0, 100).map(log -> {
                        ctx.verify(() -> {
                            List<Store.SeqBlock> blocks = takeovers.stream().map(h -> h.result().block()).toList();
                            assertThat(blocks.stream().map(Store.SeqBlock::epoch).sorted().toList())
                                    .isEqualTo(LongStream.rangeClosed(1, racers).boxed().toList());
                            List<Store.SeqBlock> byStart = blocks.stream().sorted((x, y) -> Long.compare(x.from(), y.from())).toList();
                            for (int i = 1; i < racers; i++) {
                                assertThat(byStart.get(i).from()).as("no number in two blocks").isGreaterThan(byStart.get(i - 1).to());
                            }
                            int last = IntStream.range(0, racers).filter(i -> blocks.get(i).epoch() == racers).findFirst().orElseThrow();
                            for (int i = 0; i < racers; i++) {
                                assertThat(outcomes.get(i)).isEqualTo(i == last ? "ok" : FailureReason.SUPERSEDED);
                            }
                            assertThat(field(log, "seq")).containsExactly(blocks.get(last).from());
                        });
                        return null;
                    }))
                    .eventually(storage::close);
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("refuses to log an event of a device it does not know, as superseded: no sequence of it can be held")
    void unknownDevice(Vertx vertx, VertxTestContext ctx) {
        Storage.start(vertx, TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl()))
                .compose(storage -> storage.store().saveMessagesAndLog("nobody", new JsonArray(), new Store.LogEntry("messages:sync", 1, 1, 0), "{}")
                        .eventually(storage::close))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).isInstanceOf(StoreException.class);
                    assertThat(((StoreException) error).reason()).isEqualTo(FailureReason.SUPERSEDED);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a log kept before sequence blocks goes on where it stopped: its events read back naming the number before each, "
            + "and the first takeover starts right after its last")
    void logFromBeforeBlocks(Vertx vertx, VertxTestContext ctx) throws Exception {
        String url = TestDatabase.freshDatabaseUrl();
        DatabaseUrl db = DatabaseUrl.parse(url);
        Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password().isEmpty() ? null : db.password())
                .schemas(db.schema()).defaultSchema(db.schema()).createSchemas(true)
                .locations("classpath:db/migration").target("8").load().migrate();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password().isEmpty() ? null : db.password());
             Statement s = c.createStatement()) {
            s.execute("INSERT INTO devices (device_id, last_seq) VALUES ('old-phone', 2)");
            s.execute("INSERT INTO device_events (device_id, seq, event, payload) VALUES "
                    + "('old-phone', 1, 'messages:sync', '{}'), ('old-phone', 2, 'messages:sync', '{}')");
        }
        Storage.start(vertx, TestConfigs.forDatabase(url)).compose(storage -> {
            Store store = storage.store();
            return store.takeOverSeq("old-phone", null, null, 10).compose(block -> store.eventsSince("old-phone", 0, 10).map(log -> {
                ctx.verify(() -> {
                    assertThat(block).isEqualTo(new Store.SeqBlock(1, 2, 3, 12));
                    assertThat(field(log, "seq")).containsExactly(1L, 2L);
                    assertThat(field(log, "prev")).containsExactly(0L, 1L);
                });
                return null;
            })).eventually(storage::close);
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("names for each event the one logged before it, so a reader steps over numbers never stored and tells them from pruned events")
    void holesAndPruning(Vertx vertx, VertxTestContext ctx) {
        String url = TestDatabase.freshDatabaseUrl();
        Storage.start(vertx, TestConfigs.forDatabase(url)).compose(storage -> {
            Store store = storage.store();
            return store.upsertDevice("p", null, null).compose(v -> SequenceHolder.takeOver(store, "p")).compose(holder -> {
                List<Future<Void>> appends = new ArrayList<>();
                for (int n = 1; n <= 5; n++) {
                    Store.LogEntry entry = holder.next("messages:sync");
                    if (n != 4) { // 4 was relayed, and its write failed
                        appends.add(store.saveMessagesAndLog("p", new JsonArray(), entry, "{}"));
                    }
                }
                return Future.all(appends);
            }).compose(v -> Future.all(store.eventsSince("p", 0, 10), store.eventsSince("p", 3, 10), store.eventsSince("p", 4, 10)))
                    .compose(before -> prune(vertx, url, "p", 2).compose(v -> Future.all(store.eventsSince("p", 0, 10), store.eventsSince("p", 2, 10)))
                            .map(after -> {
                                ctx.verify(() -> {
                                    JsonArray all = before.resultAt(0);
                                    assertThat(field(all, "seq")).containsExactly(1L, 2L, 3L, 5L);
                                    assertThat(field(all, "prev")).containsExactly(0L, 1L, 2L, 3L);
                                    assertThat(field(before.resultAt(1), "prev")).as("after 3").containsExactly(3L);
                                    assertThat(field(before.resultAt(2), "prev")).as("after 4, never stored").containsExactly(3L);
                                    JsonArray fromStart = after.resultAt(0);
                                    assertThat(field(fromStart, "seq")).containsExactly(3L, 5L);
                                    assertThat(fromStart.getJsonObject(0).getLong("prev")).as("the oldest kept names the highest pruned")
                                            .isEqualTo(2L);
                                    assertThat(field(after.resultAt(1), "prev")).as("after 2: nothing it needs was pruned").containsExactly(2L, 3L);
                                });
                                return null;
                            }));
        }).onComplete(ctx.succeedingThenComplete());
    }

    /** Prunes the device's log as the store does when it grows past its window (off the event loop: JDBC blocks). */
    private static Future<Void> prune(Vertx vertx, String url, String deviceId, long upTo) {
        return vertx.executeBlocking(() -> {
            DatabaseUrl db = DatabaseUrl.parse(url);
            String sql = StoreSql.PRUNE_EVENTS.replace("$1", "?").replace("$2", "?"); // $1 $2 $2 $1, in that order
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password().isEmpty() ? null : db.password());
                 java.sql.PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, deviceId);
                s.setLong(2, upTo);
                s.setLong(3, upTo);
                s.setString(4, deviceId);
                s.execute();
            }
            return null;
        });
    }
}
