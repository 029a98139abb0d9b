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
import java.sql.SQLException;
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
        String url = databaseAt("8",
                "INSERT INTO devices (device_id, last_seq) VALUES ('old-phone', 2)",
                "INSERT INTO device_events (device_id, seq, event, payload) VALUES "
                        + "('old-phone', 1, 'messages:sync', '{}'), ('old-phone', 2, 'messages:sync', '{}')");
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

    @Test
    @DisplayName("pruning drops the rows of messages that a later row replaced, up to the number pruned, and never a message as it stands; "
            + "rows it passes are no longer events")
    void pruningCompactsReplacedMessages(Vertx vertx, VertxTestContext ctx) {
        String url = TestDatabase.freshDatabaseUrl();
        Storage.start(vertx, TestConfigs.forDatabase(url)).compose(storage -> {
            Store store = storage.store();
            return store.upsertDevice("p", null, null).compose(v -> SequenceHolder.takeOver(store, "p")).compose(holder -> Future.all(
                    // m1 is sent again by event 2, m2 by event 4 (past the number pruned below): both replaced; m3 never is
                    saved(store, holder, "m1", "m2"), saved(store, holder, "m1"), saved(store, holder, "m3"), saved(store, holder, "m2")))
                    .compose(v -> prune(vertx, url, "p", 2))
                    .compose(v -> Future.all(rows(vertx, url, "SELECT seq || '/' || id FROM messages ORDER BY seq, pos"),
                            store.eventsSince("p", 0, 10), store.eventsSince("p", 2, 10), store.loadThreads("p", 5, 10)))
                    .map(read -> {
                        ctx.verify(() -> {
                            assertThat(read.<List<String>>resultAt(0)).containsExactly("2/m1", "3/m3", "4/m2");
                            JsonArray fromStart = read.resultAt(1);
                            assertThat(field(fromStart, "seq")).as("event 2's row is a message now, not an event").containsExactly(3L, 4L);
                            assertThat(fromStart.getJsonObject(0).getLong("prev")).as("the oldest kept names the highest pruned").isEqualTo(2L);
                            assertThat(field(read.resultAt(2), "prev")).containsExactly(2L, 3L);
                            List<JsonArray> threads = read.resultAt(3);
                            assertThat(threads.get(0).stream().map(m -> ((JsonObject) m).getString("id")).toList())
                                    .containsExactly("m1", "m2", "m3");
                        });
                        return null;
                    }).eventually(storage::close);
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("messages stored before they were the log's rows (V13) stay the messages as they stand, with their statuses, and their events "
            + "read back as before; a message sent again after it replaces the old row")
    void messagesFromBeforeTheirRowsWereTheLog(Vertx vertx, VertxTestContext ctx) throws Exception {
        String url = databaseAt("12",
                "INSERT INTO devices (device_id, last_seq, seq_reserved, seq_epoch) VALUES ('old-phone', 1, 1, 1)",
                """
                    INSERT INTO messages (device_id, id, conversation_id, ts, status, doc) VALUES
                      ('old-phone', 'a', 'c1', 10, 'delivered', '{"id":"a","conversationId":"c1","timestamp":10}'),
                      ('old-phone', 'b', 'c1', 20, NULL, '{"id":"b","conversationId":"c1","timestamp":20}')""",
                """
                    INSERT INTO device_events (device_id, seq, event, payload) VALUES ('old-phone', 1, 'messages:sync',
                      '{"messages":[{"id":"a","conversationId":"c1","timestamp":10},{"id":"b","conversationId":"c1","timestamp":20}]}')""");
        Storage.start(vertx, TestConfigs.forDatabase(url)).compose(storage -> {
            Store store = storage.store();
            String again = "{\"messages\":[{\"id\":\"b\",\"conversationId\":\"c1\",\"timestamp\":20,\"body\":\"again\"}]}";
            return SequenceHolder.takeOver(store, "old-phone")
                    .compose(holder -> store.saveMessagesAndLog("old-phone", new JsonObject(again).getJsonArray("messages"),
                            holder.next("messages:sync"), again))
                    .compose(v -> Future.all(store.loadThreads("old-phone", 5, 10), store.eventsSince("old-phone", 0, 10),
                            rows(vertx, url, "SELECT seq || '/' || pos || '/' || id FROM messages ORDER BY seq, pos")))
                    .map(read -> {
                        ctx.verify(() -> {
                            JsonArray thread = read.<List<JsonArray>>resultAt(0).get(0);
                            assertThat(thread.stream().map(m -> ((JsonObject) m).getString("id")).toList()).containsExactly("a", "b");
                            assertThat(thread.getJsonObject(0).getString("status")).isEqualTo("delivered");
                            assertThat(thread.getJsonObject(1).getString("body")).isEqualTo("again");
                            JsonArray log = read.resultAt(1);
                            assertThat(field(log, "seq")).containsExactly(1L, 2L);
                            assertThat(log.getJsonObject(0).getJsonObject("payload").getJsonArray("messages")).hasSize(2);
                            assertThat(log.getJsonObject(1).getJsonObject("payload").encode()).isEqualTo(new JsonObject(again).encode());
                            assertThat(read.<List<String>>resultAt(2)).as("the old rows under no event, numbered per device")
                                    .containsExactly("0/0/a", "0/1/b", "2/0/b");
                        });
                        return null;
                    }).eventually(storage::close);
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("messages stored before their rows were keyed by the device's number (V14) are found under it, each device's "
            + "under its own; a row of no device, which no browser could read, is dropped")
    void messagesFromBeforeTheDeviceNumber(Vertx vertx, VertxTestContext ctx) throws Exception {
        String url = databaseAt("13",
                "INSERT INTO devices (device_id, last_seq, seq_reserved, seq_epoch) VALUES ('p1', 1, 1, 1), ('p2', 1, 1, 1)",
                """
                    INSERT INTO messages (device_id, seq, pos, id, conversation_id, ts, doc) VALUES
                      ('p1', 1, 0, 'a', 'c1', 10, '{"id":"a","conversationId":"c1","timestamp":10}'),
                      ('p2', 1, 0, 'b', 'c1', 20, '{"id":"b","conversationId":"c1","timestamp":20}'),
                      ('nobody', 1, 0, 'z', 'c1', 30, '{"id":"z","conversationId":"c1","timestamp":30}')""");
        Storage.start(vertx, TestConfigs.forDatabase(url)).compose(storage -> {
            Store store = storage.store();
            return Future.all(store.loadThreads("p1", 5, 10), store.loadThreads("p2", 5, 10), store.eventsSince("p1", 0, 10),
                            rows(vertx, url, "SELECT m.device_id || '/' || m.id FROM messages m JOIN devices d USING (device_no) "
                                    + "WHERE d.device_id = m.device_id ORDER BY 1"),
                            rows(vertx, url, "SELECT count(*) FROM messages"))
                    .map(read -> {
                        ctx.verify(() -> {
                            JsonArray ofP1 = read.<List<JsonArray>>resultAt(0).get(0), ofP2 = read.<List<JsonArray>>resultAt(1).get(0);
                            assertThat(ofP1.stream().map(m -> ((JsonObject) m).getString("id")).toList()).containsExactly("a");
                            assertThat(ofP2.stream().map(m -> ((JsonObject) m).getString("id")).toList()).containsExactly("b");
                            JsonArray log = read.resultAt(2);
                            assertThat(field(log, "seq")).containsExactly(1L);
                            assertThat(log.getJsonObject(0).getJsonObject("payload").getJsonArray("messages").getJsonObject(0).getString("id"))
                                    .isEqualTo("a");
                            assertThat(read.<List<String>>resultAt(3)).containsExactly("p1/a", "p2/b");
                            assertThat(read.<List<String>>resultAt(4)).containsExactly("2");
                        });
                        return null;
                    }).eventually(storage::close);
        }).onComplete(ctx.succeedingThenComplete());
    }

    /** Stores one canonical messages event of the given ids under the holder's next number. */
    private static Future<Void> saved(Store store, SequenceHolder holder, String... ids) {
        JsonArray messages = new JsonArray();
        for (String id : ids) {
            messages.add(new JsonObject().put("id", id).put("conversationId", "c1").put("timestamp", id.hashCode()));
        }
        return store.saveMessagesAndLog("p", messages, holder.next("messages:sync"), new JsonObject().put("messages", messages).encode());
    }

    /** The first column of each row a query answers (off the event loop: JDBC blocks). */
    private static Future<List<String>> rows(Vertx vertx, String url, String query) {
        return vertx.executeBlocking(() -> {
            DatabaseUrl db = DatabaseUrl.parse(url);
            List<String> rows = new ArrayList<>();
            try (Connection c = connect(db);
                 Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery(query)) {
                while (r.next()) {
                    rows.add(r.getString(1));
                }
            }
            return rows;
        });
    }

    /** Prunes the device's log as the store does when it grows past its window (off the event loop: JDBC blocks). */
    private static Future<Void> prune(Vertx vertx, String url, String deviceId, long upTo) {
        return vertx.executeBlocking(() -> {
            DatabaseUrl db = DatabaseUrl.parse(url);
            // JDBC numbers its parameters by place: each $n of the statement, in order, becomes one.
            java.util.regex.Matcher numbered = java.util.regex.Pattern.compile("\\$([12])").matcher(StoreSql.PRUNE_EVENTS);
            List<String> order = new ArrayList<>();
            while (numbered.find()) {
                order.add(numbered.group(1));
            }
            String sql = StoreSql.PRUNE_EVENTS.replaceAll("\\$[12]", "?");
            try (Connection c = connect(db);
                 java.sql.PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < order.size(); i++) {
                    if (order.get(i).equals("1")) {
                        s.setString(i + 1, deviceId);
                    } else {
                        s.setLong(i + 1, upTo);
                    }
                }
                s.execute();
            }
            return null;
        });
    }

    /** A fresh database migrated only as far as {@code version}, as a node of that version left it, holding what {@code statements} wrote. */
    private static String databaseAt(String version, String... statements) throws SQLException {
        String url = TestDatabase.freshDatabaseUrl();
        try (Connection c = connect(migratedTo(url, version)); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
        return url;
    }

    /** A fresh database migrated only as far as {@code target}, as a node of that version left it. */
    private static DatabaseUrl migratedTo(String url, String target) {
        DatabaseUrl db = DatabaseUrl.parse(url);
        Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password().isEmpty() ? null : db.password())
                .schemas(db.schema()).defaultSchema(db.schema()).createSchemas(true)
                .locations("classpath:db/migration").target(target).load().migrate();
        return db;
    }

    private static Connection connect(DatabaseUrl db) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password().isEmpty() ? null : db.password());
    }
}
