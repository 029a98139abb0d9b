package io.relay.store;

import io.relay.ops.Metrics;
import io.relay.vocabulary.FailureReason;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.CompositeFuture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The group commit behind {@link PgStore}, against a real PostgreSQL: what goes into one flush, when a
 * flush starts, and who hears of a flush that fails. A flush's size bound (in rows) is used to cut flushes
 * exactly where a test wants them; the time bound is then set far away, so that only the size can start them.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Group commit of every write kind across devices")
class GroupCommitTest {
    private static final Duration FAR = Duration.ofSeconds(60);
    private Pool pool;
    private GroupCommit commit;
    private final Metrics metrics = Metrics.standalone();

    private DatabaseUrl url;

    @BeforeEach
    void start(Vertx vertx) {
        url = DatabaseUrl.parse(TestDatabase.freshDatabaseUrl());
        Migrations.migrate(url);
        pool = pool(vertx, 4);
    }

    private Pool pool(Vertx vertx, int connections) {
        return PgBuilder.pool().with(new PoolOptions().setMaxSize(connections)).connectingTo(url.pgConnectOptions()).using(vertx).build();
    }

    @AfterEach
    void stop(VertxTestContext ctx) {
        Future<Void> closed = commit == null ? Future.succeededFuture()
                : onContext(persistence, () -> commit.close(Duration.ofSeconds(5), new RunningStatements())).mapEmpty();
        closed.eventually(pool::close).onComplete(ctx.succeedingThenComplete());
        metrics.close();
    }

    private Context persistence;

    /** A store whose group commit runs on a context of its own, as the persistence verticle's does; every write waits up to {@code maxWait}. */
    private Future<PgStore> store(Vertx vertx, int maxRows, Duration maxWait, int maxInFlight) {
        return store(vertx, maxRows, maxWait, maxWait, maxInFlight);
    }

    /** As above, log appends waiting up to {@code behindWait} and every other write up to {@code maxWait}. */
    private Future<PgStore> store(Vertx vertx, int maxRows, Duration maxWait, Duration behindWait, int maxInFlight) {
        return store(vertx, maxRows, maxWait, behindWait, Integer.MAX_VALUE, maxInFlight);
    }

    /** As above, log appends also going once {@code behindBatch} of them wait; browsers' commands do not ride with them. */
    private Future<PgStore> store(Vertx vertx, int maxRows, Duration maxWait, Duration behindWait, int behindBatch, int maxInFlight) {
        return store(vertx, maxRows, maxWait, behindWait, behindBatch, Duration.ZERO, maxInFlight);
    }

    /** As above, a browser's command waiting up to {@code commandWait} to ride with the log appends waiting. */
    private Future<PgStore> store(Vertx vertx, int maxRows, Duration maxWait, Duration behindWait, int behindBatch, Duration commandWait,
                                  int maxInFlight) {
        persistence = vertx.getOrCreateContext();
        return onContext(persistence, () -> {
            commit = new GroupCommit(vertx, persistence, pool,
                    new GroupCommit.Settings(maxRows, maxWait, behindWait, behindBatch, commandWait, maxInFlight, PgStore.TIMEOUT),
                    metrics::storeFlush);
            return Future.succeededFuture(new PgStore(pool, commit));
        });
    }

    /** Runs {@code action} on {@code context} and hands back its Future's outcome. */
    private static <T> Future<T> onContext(Context context, Supplier<Future<T>> action) {
        Promise<T> result = Promise.promise();
        context.runOnContext(v -> action.get().onComplete(result));
        return result.future();
    }

    private Future<Void> devices(String... ids) {
        List<Future<?>> inserts = new ArrayList<>();
        for (String id : ids) {
            inserts.add(pool.preparedQuery("INSERT INTO devices (device_id) VALUES ($1)").execute(Tuple.of(id)));
        }
        return Future.all(inserts).mapEmpty();
    }

    /**
     * Registers the phones and takes their sequences over, as their nodes do when they connect (statements of
     * their own, not flushes): each phone's events are then numbered from its holder.
     */
    private Future<Map<String, SequenceHolder>> phones(Store store, String... ids) {
        return devices(ids).compose(v -> {
            List<Future<SequenceHolder>> takeovers = new ArrayList<>();
            for (String id : ids) {
                takeovers.add(SequenceHolder.takeOver(store, id));
            }
            return Future.all(takeovers).map(all -> {
                Map<String, SequenceHolder> held = new HashMap<>();
                for (int i = 0; i < ids.length; i++) {
                    held.put(ids[i], takeovers.get(i).result());
                }
                return held;
            });
        });
    }

    private Future<Long> flushes() {
        return onContext(persistence, () -> Future.succeededFuture(commit.flushes()));
    }

    private Future<List<String>> strings(String sql) {
        return pool.query(sql).execute().map(rows -> {
            List<String> values = new ArrayList<>();
            for (Row row : rows) {
                values.add(row.getValue(0) + (row.size() > 1 ? " " + row.getValue(1) : ""));
            }
            return values;
        });
    }

    private static JsonArray messages(String... ids) {
        JsonArray batch = new JsonArray();
        for (String id : ids) {
            batch.add(new JsonObject().put("id", id).put("conversationId", "c").put("body", "text of " + id).put("timestamp", 1L));
        }
        return batch;
    }

    private static JsonArray conversation(String id) {
        return new JsonArray().add(new JsonObject().put("id", id).put("phoneNumber", "+1555").put("lastMessageTime", 5L));
    }

    /** {@code "ok"}, or the reason of the {@link StoreException} it failed with. */
    private static Future<Object> codeOf(Future<?> call) {
        return call.transform(ar -> Future.succeededFuture(ar.succeeded() ? "ok"
                : ar.cause() instanceof StoreException e ? e.reason() : ar.cause()));
    }

    @Test
    @DisplayName("messages, conversations and statuses with their log entries, and outbox writes, of several devices go out in one flush, each caller answered with its own outcome")
    void everyKindInOneFlush(Vertx vertx, VertxTestContext ctx) {
        UUID handover = UUID.randomUUID();
        List<Future<?>> calls = new ArrayList<>();
        // 14 rows, the size bound: 2 + 2 (two phones' messages) + 2 + 2 (two phones' conversation lists of one,
        // each with its log entry) + 3 (a status, the command it settles, its log entry) + 1 queued + 1 claimed + 1 confirmed.
        store(vertx, 14, FAR, 2).compose(store -> phones(store, "phone-a", "phone-b")
                .compose(held -> pool.query("""
                        INSERT INTO messages (device_no, device_id, seq, pos, id, doc)
                          SELECT device_no, device_id, 0, 0, 'old', '{"id":"old"}' FROM devices WHERE device_id = 'phone-a';
                        INSERT INTO outbox (device_id, key, event, payload) VALUES
                          ('phone-a', 'to-claim', 'send:message', '{}'), ('phone-b', 'to-confirm', 'send:message', '{}')""").execute().map(held))
                .compose(held -> {
                    SequenceHolder a = held.get("phone-a"), b = held.get("phone-b");
                    calls.add(store.saveMessagesAndLog("phone-a", messages("a1", "a2"), a.next("messages:sync"), new JsonObject().put("m", "a").encode()));
                    calls.add(store.saveMessagesAndLog("phone-b", messages("b1", "b2"), b.next("messages:sync"), new JsonObject().put("m", "b").encode()));
                    calls.add(store.saveConversationsAndLog("phone-a", conversation("ca"), a.next("conversations:sync"),
                            new JsonObject().put("c", "a").encode()));
                    calls.add(store.saveConversationsAndLog("phone-b", conversation("cb"), b.next("conversations:sync"),
                            new JsonObject().put("c", "b").encode()));
                    calls.add(store.recordStatusAndLog("phone-a", "old", "delivered", "old", a.next("message:status"),
                            new JsonObject().put("s", "a").encode()));
                    calls.add(store.enqueueCommand("phone-b", "fresh", "mark:read", new JsonObject().put("n", 3)));
                    calls.add(store.claimCommand("phone-a", "to-claim", handover.toString(), false));
                    calls.add(store.confirmCommand("phone-b", "to-confirm"));
                    return Future.all(calls);
                })
                .compose(v -> Future.all(
                        strings("SELECT device_id, id FROM messages ORDER BY 1, 2"),
                        strings("SELECT device_id, seq FROM device_events ORDER BY device_id, seq"),
                        strings("SELECT device_id, id FROM conversations ORDER BY 1, 2"),
                        strings("SELECT id, status FROM messages WHERE id = 'old'"),
                        strings("SELECT key, state FROM outbox ORDER BY 1"))))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(commit.flushes()).isEqualTo(1);
                    assertThat(calls.get(5).result()).as("a fresh command").isEqualTo(true);
                    @SuppressWarnings("unchecked")
                    Optional<JsonObject> claimed = (Optional<JsonObject>) calls.get(6).result();
                    assertThat(claimed).hasValueSatisfying(c -> assertThat(c.getString("key")).isEqualTo("to-claim"));
                    assertThat(db.<List<String>>resultAt(0)).containsExactly("phone-a a1", "phone-a a2", "phone-a old", "phone-b b1", "phone-b b2");
                    assertThat(db.<List<String>>resultAt(1)).as("each phone's events under the numbers its node gave")
                            .containsExactly("phone-a 1", "phone-a 2", "phone-a 3", "phone-b 1", "phone-b 2");
                    assertThat(db.<List<String>>resultAt(2)).containsExactly("phone-a ca", "phone-b cb");
                    assertThat(db.<List<String>>resultAt(3)).containsExactly("old delivered");
                    assertThat(db.<List<String>>resultAt(4)).containsExactly("fresh pending", "to-claim delivered", "to-confirm done");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("one-hop deliveries of several phones go out in one flush; a phone with a command queued in that same flush gets its delivery stored pending behind it")
    void deliveriesInOneFlush(Vertx vertx, VertxTestContext ctx) {
        String attempt = UUID.randomUUID().toString();
        List<Future<?>> calls = new ArrayList<>();
        store(vertx, 4, FAR, 2).compose(store -> {
                    calls.add(store.enqueueCommand("phone-b", "older", "send:message", new JsonObject().put("n", 1)));
                    calls.add(store.deliverCommand("phone-a", "a", "send:message", new JsonObject().put("n", 2), attempt));
                    calls.add(store.deliverCommand("phone-b", "b", "send:message", new JsonObject().put("n", 3), attempt));
                    calls.add(store.deliverCommand("phone-c", "c", "mark:read", new JsonObject().put("n", 4), attempt));
                    return Future.all(calls);
                })
                .compose(v -> strings("SELECT key, state || ' ' || coalesce(handover::text, '-') FROM outbox ORDER BY created_at"))
                .onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
                    assertThat(commit.flushes()).isEqualTo(1);
                    assertThat(calls.stream().<Object>map(Future::result).toList())
                            .containsExactly(true, Store.Delivery.DELIVERED, Store.Delivery.QUEUED, Store.Delivery.DELIVERED);
                    assertThat(rows).containsExactly("older pending -", "a delivered " + attempt, "b pending -", "c delivered " + attempt);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("phones' events and browsers' commands for online phones, the flush a busy node sends most, go as one statement: "
            + "each caller answered as its kind would answer it alone (a fenced phone's events refused, a command behind a pending "
            + "one queued, a key sent twice stored once)")
    void eventsAndCommandsInOneStatement(Vertx vertx, VertxTestContext ctx) {
        String attempt = UUID.randomUUID().toString();
        List<Future<?>> calls = new ArrayList<>();
        // One connection, so that the statements it prepared are the ones this flush sent.
        pool.close();
        pool = pool(vertx, 1);
        store(vertx, 5, FAR, 1).compose(store -> phones(store, "phone-a", "phone-b")
                        .compose(held -> SequenceHolder.takeOver(store, "phone-b").map(newer -> held))
                        .compose(held -> pool.query("INSERT INTO outbox (device_id, key, event, payload) VALUES ('phone-b', 'older', 'send:message', '{}')")
                                .execute().map(held))
                        .compose(held -> {
                            // phone-b moved to another connection: its first holder's events are fenced off.
                            calls.add(codeOf(store.saveMessagesAndLog("phone-a", messages("a1"), held.get("phone-a").next("messages:sync"), "{}")));
                            calls.add(codeOf(store.saveMessagesAndLog("phone-b", messages("b1"), held.get("phone-b").next("messages:sync"), "{}")));
                            calls.add(store.deliverCommand("phone-a", "a", "send:message", new JsonObject().put("n", 1), attempt));
                            calls.add(store.deliverCommand("phone-b", "b", "send:message", new JsonObject().put("n", 2), attempt));
                            calls.add(store.deliverCommand("phone-a", "a", "send:message", new JsonObject().put("n", 3), attempt));
                            return Future.all(calls);
                        }))
                .compose(v -> Future.all(
                        strings("SELECT device_id, id FROM messages ORDER BY 1, 2"),
                        strings("SELECT key, state FROM outbox ORDER BY created_at"),
                        strings("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%outbox%'")))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(commit.flushes()).isEqualTo(1);
                    assertThat(calls.stream().<Object>map(Future::result).toList()).containsExactly("ok", FailureReason.SUPERSEDED,
                            Store.Delivery.DELIVERED, Store.Delivery.QUEUED, Store.Delivery.DUPLICATE);
                    assertThat(db.<List<String>>resultAt(0)).containsExactly("phone-a a1");
                    assertThat(db.<List<String>>resultAt(1)).containsExactly("older pending", "a delivered", "b pending");
                    assertThat(db.<List<String>>resultAt(2)).as("statements prepared for the outbox")
                            .containsExactly(StoreSql.APPEND_MESSAGES_AND_DELIVER_COMMANDS);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a phone's conversation list and its log entry, and a status with the command it settles and its log entry, are each one write: one flush, one commit")
    void eventsStoredTogether(Vertx vertx, VertxTestContext ctx) {
        // No time bound and one flush at a time: each call alone would be a flush of its own.
        store(vertx, 1_000, Duration.ZERO, 1).compose(store -> phones(store, "phone-t").compose(held -> pool.query("""
                        INSERT INTO messages (device_no, device_id, seq, pos, id, doc)
                          SELECT device_no, device_id, 0, 0, 'm1', '{"id":"m1"}' FROM devices WHERE device_id = 'phone-t';
                        INSERT INTO outbox (device_id, key, event, payload) VALUES ('phone-t', 'temp-1', 'send:message', '{}')""").execute()
                .compose(v -> flushes())
                .compose(before -> store.saveConversationsAndLog("phone-t", conversation("c1"), held.get("phone-t").next("conversations:sync"),
                                new JsonObject().put("k", 1).encode())
                        .compose(first -> store.recordStatusAndLog("phone-t", "m1", "delivered", "temp-1", held.get("phone-t").next("message:status"),
                                new JsonObject().put("k", 2).encode()))
                        .compose(second -> flushes().map(after -> List.of(after - before))))))
                .compose(outcome -> strings("SELECT id, phone_number FROM conversations WHERE device_id = 'phone-t'")
                        .compose(conversations -> strings("SELECT id, status FROM messages WHERE device_id = 'phone-t'")
                                .compose(statuses -> strings("SELECT key, done_at IS NOT NULL FROM outbox WHERE device_id = 'phone-t'")
                                        .compose(outbox -> strings("SELECT seq, event FROM device_events WHERE device_id = 'phone-t' ORDER BY seq")
                                                .map(log -> List.<List<?>>of(outcome, conversations, statuses, outbox, log))))))
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    assertThat(all.get(0)).as("flushes for the two calls").isEqualTo(List.of(2L));
                    assertThat(all.get(1)).isEqualTo(List.of("c1 +1555"));
                    assertThat(all.get(2)).isEqualTo(List.of("m1 delivered"));
                    assertThat(all.get(3)).isEqualTo(List.of("temp-1 true"));
                    assertThat(all.get(4)).isEqualTo(List.of("1 conversations:sync", "2 message:status"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a flush starts as soon as the rows waiting reach the size bound, whatever the time bound; what is left waits for it")
    void flushesBySize(Vertx vertx, VertxTestContext ctx) {
        List<Future<Void>> calls = new ArrayList<>();
        String[] phones = IntStream.range(0, 10).mapToObj(i -> "phone-" + i).toArray(String[]::new);
        store(vertx, 4, FAR, 4).compose(store -> phones(store, phones).compose(held -> {
            for (int i = 0; i < 10; i++) {
                calls.add(store.saveMessagesAndLog(phones[i], messages("m" + i), held.get(phones[i]).next("messages:sync"), "{}"));
            }
            // 10 one-row writes, flushes of 4 rows: two flushes start at once, the last two writes wait.
            return Future.all(calls.subList(0, 8));
        })).compose(v -> flushes())
                .compose(flushes -> {
                    ctx.verify(() -> {
                        assertThat(flushes).isEqualTo(2);
                        assertThat(calls.subList(8, 10)).as("still waiting for more rows or the time bound").noneMatch(Future::isComplete);
                    });
                    // Closing the store sends what waits without waiting any longer.
                    return onContext(persistence, () -> commit.close(Duration.ofSeconds(20), new RunningStatements()));
                })
                .compose(v -> Future.all(calls.subList(8, 10)))
                .compose(v -> strings("SELECT count(*) FROM messages"))
                .onComplete(ctx.succeeding(count -> ctx.verify(() -> {
                    assertThat(count).containsExactly("10");
                    assertThat(commit.flushes()).isEqualTo(3);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("writes handed over apart within the time bound share a flush, and a lone write goes once its time bound has passed")
    void flushesByTime(Vertx vertx, VertxTestContext ctx) {
        store(vertx, 1_000, Duration.ofSeconds(2), 2).compose(store -> phones(store, "phone-1", "phone-2", "phone-3").compose(held -> {
            Future<Void> first = store.saveMessagesAndLog("phone-1", messages("m1"), held.get("phone-1").next("messages:sync"), "{}");
            Future<Void> second = vertx.timer(20)
                    .compose(t -> store.saveMessagesAndLog("phone-2", messages("m2"), held.get("phone-2").next("messages:sync"), "{}"));
            return Future.all(first, second).compose(v -> flushes()).compose(flushes -> {
                ctx.verify(() -> assertThat(flushes).as("both writes, handed over 20 ms apart, in one flush").isEqualTo(1));
                // alone: only the time bound starts its flush
                return store.saveMessagesAndLog("phone-3", messages("m3"), held.get("phone-3").next("messages:sync"), "{}");
            });
        })).compose(v -> strings("SELECT id FROM messages ORDER BY 1"))
                .onComplete(ctx.succeeding(ids -> ctx.verify(() -> {
                    assertThat(ids).containsExactly("m1", "m2", "m3");
                    assertThat(commit.flushes()).isEqualTo(2);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a flush that fails on an unavailable database fails exactly its own callers, with a retryable code; the next flush is stored; the metrics count each flush and its writes by outcome")
    void failingFlushFailsItsCallers(Vertx vertx, VertxTestContext ctx) {
        // The database cuts the statement of one device's conversations as a lost connection would.
        String trigger = """
                CREATE FUNCTION cut_off() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.device_id = 'doomed' THEN RAISE EXCEPTION 'cut off by the test' USING ERRCODE = '08006'; END IF;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER cut_off BEFORE INSERT ON conversations FOR EACH ROW EXECUTE FUNCTION cut_off();""";
        List<Future<Object>> first = new ArrayList<>(), second = new ArrayList<>();
        store(vertx, 3, FAR, 1).compose(store -> phones(store, "phone-a", "phone-b", "doomed").compose(held -> pool.query(trigger).execute().map(held)).compose(held -> {
            // Flushes of 3 rows, one at a time: [a's message, doomed's list and its log entry] and then [b's two writes, as many rows].
            first.add(codeOf(store.saveMessagesAndLog("phone-a", messages("a1"), held.get("phone-a").next("messages:sync"), "{}")));
            first.add(codeOf(store.saveConversationsAndLog("doomed", conversation("d"), held.get("doomed").next("conversations:sync"), "{}")));
            second.add(codeOf(store.saveMessagesAndLog("phone-b", messages("b1"), held.get("phone-b").next("messages:sync"), "{}")));
            second.add(codeOf(store.saveConversationsAndLog("phone-b", conversation("cb"), held.get("phone-b").next("conversations:sync"), "{}")));
            return Future.all(Future.all(first), Future.all(second));
        })).compose(v -> Future.all(strings("SELECT device_id, id FROM messages ORDER BY 1"), strings("SELECT device_id, seq FROM device_events ORDER BY 1, 2")))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(first).as("the failed flush's callers").allSatisfy(code ->
                            assertThat(code.result()).isEqualTo(FailureReason.STORAGE_UNAVAILABLE));
                    assertThat(second).as("the next flush's callers").allSatisfy(code -> assertThat(code.result()).isEqualTo("ok"));
                    assertThat(db.<List<String>>resultAt(0)).as("nothing of the failed flush is stored").containsExactly("phone-b b1");
                    assertThat(db.<List<String>>resultAt(1)).containsExactly("phone-b 1", "phone-b 2");
                    MeterRegistry registry = metrics.registry();
                    for (String outcome : List.of("committed", "failed")) {
                        assertThat(registry.get("relay.store.flush.duration").tag("outcome", outcome).timer().count()).as(outcome + " flushes").isEqualTo(1);
                        assertThat(registry.get("relay.store.flush.writes").tag("outcome", outcome).summary().totalAmount()).as(outcome + " writes").isEqualTo(2);
                    }
                    assertThat(registry.get("relay.store.flush.wait").timer().count()).isEqualTo(2);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a write the database refuses for its data fails alone; the other writes of its flush, of every kind, are stored")
    void badWriteFailsAlone(Vertx vertx, VertxTestContext ctx) {
        List<Future<Object>> codes = new ArrayList<>();
        // 6 rows, the size bound: three phones' messages, a conversation list with its log entry, a queued command.
        store(vertx, 6, FAR, 1).compose(store -> phones(store, "phone-a", "phone-b", "phone-c").compose(held -> {
            codes.add(codeOf(store.saveMessagesAndLog("phone-a", messages("a1"), held.get("phone-a").next("messages:sync"), "{}")));
            // PostgreSQL refuses a NUL character in text: only the database can say no to this one.
            codes.add(codeOf(store.saveMessagesAndLog("phone-b", messages("bad\u0000id"), held.get("phone-b").next("messages:sync"), "{}")));
            codes.add(codeOf(store.saveMessagesAndLog("phone-c", messages("c1"), held.get("phone-c").next("messages:sync"), "{}")));
            codes.add(codeOf(store.saveConversationsAndLog("phone-a", conversation("ca"), held.get("phone-a").next("conversations:sync"), "{}")));
            codes.add(codeOf(store.enqueueCommand("phone-a", "k", "send:message", new JsonObject())));
            return Future.all(codes);
        })).compose(v -> Future.all(strings("SELECT device_id, id FROM messages ORDER BY 1"), strings("SELECT device_id, id FROM conversations"),
                        strings("SELECT key FROM outbox")))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(codes.stream().map(Future::result).toList())
                            .containsExactly("ok", FailureReason.INVALID_DATA, "ok", "ok", "ok");
                    assertThat(db.<List<String>>resultAt(0)).containsExactly("phone-a a1", "phone-c c1");
                    assertThat(db.<List<String>>resultAt(1)).containsExactly("phone-a ca");
                    assertThat(db.<List<String>>resultAt(2)).containsExactly("k");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("when a flush of single-part writes of several kinds is refused for one write's data, each kind is tried alone: "
            + "the kinds without the bad write are stored by one statement each, and only the kind with it goes write by write")
    void badWriteRetriedKindByKind(Vertx vertx, VertxTestContext ctx) {
        List<Future<Object>> codes = new ArrayList<>();
        // 6 rows, the size bound: three phones' message batches and three queued commands, one row each and
        // one part each (no write stores parts of several kinds together), interleaved as they would arrive.
        store(vertx, 6, FAR, 1).compose(store -> phones(store, "phone-a", "phone-b", "phone-c").compose(held -> {
            codes.add(codeOf(store.saveMessagesAndLog("phone-a", messages("a1"), held.get("phone-a").next("messages:sync"), "{}")));
            codes.add(codeOf(store.enqueueCommand("phone-a", "ka", "send:message", new JsonObject())));
            // PostgreSQL refuses a NUL character in text: only the database can say no to this one.
            codes.add(codeOf(store.saveMessagesAndLog("phone-b", messages("bad\u0000id"), held.get("phone-b").next("messages:sync"), "{}")));
            codes.add(codeOf(store.enqueueCommand("phone-b", "kb", "send:message", new JsonObject())));
            codes.add(codeOf(store.saveMessagesAndLog("phone-c", messages("c1"), held.get("phone-c").next("messages:sync"), "{}")));
            codes.add(codeOf(store.enqueueCommand("phone-c", "kc", "mark:read", new JsonObject())));
            return Future.all(codes);
        })).compose(v -> Future.all(
                        strings("SELECT device_id, id FROM messages ORDER BY 1"),
                        strings("SELECT device_id, seq FROM device_events ORDER BY 1"),
                        strings("SELECT device_id, key FROM outbox ORDER BY 1"),
                        // A row's xmin is the transaction that wrote it: how many transactions stored each kind.
                        strings("SELECT count(DISTINCT xmin::text) FROM messages"),
                        strings("SELECT count(DISTINCT xmin::text) FROM outbox")))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(commit.flushes()).isEqualTo(1);
                    assertThat(codes.stream().map(Future::result).toList())
                            .containsExactly("ok", "ok", FailureReason.INVALID_DATA, "ok", "ok", "ok");
                    assertThat(db.<List<String>>resultAt(0)).containsExactly("phone-a a1", "phone-c c1");
                    assertThat(db.<List<String>>resultAt(1)).as("the refused batch's event is not logged").containsExactly("phone-a 1", "phone-c 1");
                    assertThat(db.<List<String>>resultAt(2)).containsExactly("phone-a ka", "phone-b kb", "phone-c kc");
                    assertThat(db.<List<String>>resultAt(3)).as("transactions storing the good message batches, one each").containsExactly("2");
                    assertThat(db.<List<String>>resultAt(4)).as("transactions storing the commands, all in one").containsExactly("1");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("each caller is answered on its own event loop, whichever thread committed its flush")
    void answersOnTheCallersContext(Vertx vertx, VertxTestContext ctx) {
        List<Context> callers = List.of(vertx.getOrCreateContext(), vertx.getOrCreateContext(), vertx.getOrCreateContext());
        store(vertx, 1_000, Duration.ofMillis(50), 2).compose(store -> phones(store, "phone-0", "phone-1", "phone-2").compose(held -> {
            ctx.verify(() -> assertThat(new java.util.HashSet<>(callers)).hasSize(3).doesNotContain(persistence));
            List<Future<Boolean>> answeredAtHome = new ArrayList<>();
            for (int i = 0; i < callers.size(); i++) {
                Context caller = callers.get(i);
                String phone = "phone-" + i;
                answeredAtHome.add(onContext(caller, () -> store.saveMessagesAndLog(phone, messages("m"), held.get(phone).next("messages:sync"), "{}")
                        .map(stored -> Vertx.currentContext() == caller)));
            }
            return Future.all(answeredAtHome).map(all -> answeredAtHome.stream().map(Future::result).toList());
        })).onComplete(ctx.succeeding(atHome -> ctx.verify(() -> {
            assertThat(atHome).containsOnly(true);
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("batches of many devices, each with the number its phone's node gave, are logged many devices per flush; "
            + "an event of a device without a row fails alone, as superseded")
    void logsBatchesOfManyDevices(Vertx vertx, VertxTestContext ctx) {
        int phones = 40, rounds = 5;
        List<Future<Object>> saves = new ArrayList<>();
        String[] ids = IntStream.range(0, phones).mapToObj(p -> "logged-" + p).toArray(String[]::new);
        store(vertx, 1_000, Duration.ZERO, 1).compose(store -> phones(store, ids).compose(held -> {
            saves.add(codeOf(store.saveMessagesAndLog("nobody", messages("x1"), new Store.LogEntry("messages:sync", 1, 1, 0), "{}")));
            for (int round = 0; round < rounds; round++) {
                for (String phone : ids) {
                    JsonObject payload = new JsonObject().put("messages", messages("m" + round));
                    saves.add(codeOf(store.saveMessagesAndLog(phone, payload.getJsonArray("messages"), held.get(phone).next("messages:sync"),
                            payload.encode())));
                }
            }
            return Future.all(saves);
        })).compose(v -> Future.all(strings("SELECT seq FROM messages WHERE device_id = 'logged-7' ORDER BY seq"),
                        strings("SELECT device_id, count(DISTINCT seq) FROM messages GROUP BY device_id HAVING count(DISTINCT seq) <> " + rounds),
                        strings("SELECT count(*) FROM device_events")))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(saves.get(0).result()).as("the unknown device's event").isEqualTo(FailureReason.SUPERSEDED);
                    assertThat(saves.subList(1, saves.size())).allSatisfy(save -> assertThat(save.result()).isEqualTo("ok"));
                    assertThat(db.<List<String>>resultAt(0)).as("each event's message, under its number").containsExactly("1", "2", "3", "4", "5");
                    assertThat(db.<List<String>>resultAt(1)).as("devices with another number of events").isEmpty();
                    assertThat(db.<List<String>>resultAt(2)).as("events that are exactly their messages: their rows are their entries")
                            .containsExactly("0");
                    assertThat(commit.flushes()).as("flushes for %d writes", phones * rounds).isLessThan(phones * rounds / 4);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a phone event's log append waits its own window, written behind its relay; a write someone waits on that does not ride "
            + "(a command's confirmation) goes after its shorter window and takes the appends waiting with it, in order: one flush, one commit")
    void writeSomeoneWaitsOnTakesTheAppendsAlong(Vertx vertx, VertxTestContext ctx) {
        List<Future<Void>> behind = new ArrayList<>();
        long[] handedOver = new long[1];
        // The appends' window and the commands' ride are longer than the test may run: only the confirmation's window can start the flush.
        store(vertx, 1_000, Duration.ofMillis(100), FAR, Integer.MAX_VALUE, FAR, 1).compose(store -> phones(store, "phone-w").compose(held -> {
            SequenceHolder w = held.get("phone-w");
            handedOver[0] = System.nanoTime();
            behind.add(store.saveMessagesAndLog("phone-w", messages("w1"), w.next("messages:sync"), "{}"));
            // A conversation list waits as its log entry does: they are one write, answered as the entry is.
            behind.add(store.saveConversationsAndLog("phone-w", conversation("cw"), w.next("conversations:sync"), "{}"));
            return store.confirmCommand("phone-w", "k").compose(v -> Future.all(behind));
        }).map(v -> Duration.ofNanos(System.nanoTime() - handedOver[0])))
                .compose(waited -> Future.all(flushes(), strings("SELECT seq, event FROM device_events ORDER BY seq"),
                        strings("SELECT id FROM conversations")).map(db -> List.of(waited, db)))
                .onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
                    assertThat((Duration) outcome.get(0)).as("the confirmation's window").isGreaterThanOrEqualTo(Duration.ofMillis(100));
                    CompositeFuture db = (CompositeFuture) outcome.get(1);
                    assertThat(db.<Long>resultAt(0)).as("flushes").isEqualTo(1L);
                    assertThat(db.<List<String>>resultAt(1)).containsExactly("1 messages:sync", "2 conversations:sync");
                    assertThat(db.<List<String>>resultAt(2)).containsExactly("cw");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a browser's command rides with the log appends waiting: it goes in their flush once their window has passed, not after "
            + "its own shorter one")
    void commandRidesWithTheAppends(Vertx vertx, VertxTestContext ctx) {
        Duration behindWindow = Duration.ofMillis(600);
        store(vertx, 1_000, Duration.ofMillis(50), behindWindow, Integer.MAX_VALUE, FAR, 1)
                .compose(store -> appendThenCommand(store, "phone-r",
                        () -> store.deliverCommand("phone-r", "k", "send:message", new JsonObject(), UUID.randomUUID().toString())))
                .onComplete(ctx.succeeding(ride -> ctx.verify(() -> {
                    assertThat(ride.answer()).isEqualTo(Store.Delivery.DELIVERED);
                    assertThat(ride.waited()).as("the command waited for the appends' window").isGreaterThanOrEqualTo(behindWindow);
                    assertThat(ride.appendStored()).as("the append stored in the same flush").isTrue();
                    assertThat(ride.flushes()).as("flushes").isEqualTo(1L);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a browser's command rides with the log appends no longer than its own ride window, and takes them along")
    void commandRidesNoLongerThanItsWindow(Vertx vertx, VertxTestContext ctx) {
        Duration ride = Duration.ofMillis(300);
        store(vertx, 1_000, Duration.ZERO, FAR, Integer.MAX_VALUE, ride, 1)
                .compose(store -> appendThenCommand(store, "phone-n", () -> store.enqueueCommand("phone-n", "k", "send:message", new JsonObject())))
                .onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
                    assertThat(outcome.answer()).as("queued").isEqualTo(true);
                    assertThat(outcome.waited()).as("the ride window").isGreaterThanOrEqualTo(ride);
                    assertThat(outcome.appendStored()).as("the append stored in the same flush").isTrue();
                    assertThat(outcome.flushes()).as("flushes").isEqualTo(1L);
                    ctx.completeNow();
                })));
    }

    /** What a command handed over right after a phone event's log append saw: its answer, how long it took, whether the append was stored by then. */
    private record Ride(Object answer, Duration waited, boolean appendStored, long flushes) {
    }

    /** Registers {@code phone}, hands over one log append of it and then {@code command}, and reports the command's {@link Ride}. */
    private Future<Ride> appendThenCommand(Store store, String phone, Supplier<Future<?>> command) {
        return phones(store, phone).compose(held -> {
            long handedOver = System.nanoTime();
            Future<Void> append = store.saveMessagesAndLog(phone, messages(phone + "-1"), held.get(phone).next("messages:sync"), "{}");
            return command.get().map(answer -> new Ride(answer, Duration.ofNanos(System.nanoTime() - handedOver), append.isComplete(), 0));
        }).compose(ride -> flushes().map(flushes -> new Ride(ride.answer(), ride.waited(), ride.appendStored(), flushes)));
    }

    @Test
    @DisplayName("sequences given back by many phones' holders go out in one flush, as a draining node lets its phones go: each "
            + "current holder's reservation ends at its last number, a holder taken over meanwhile changes nothing, and of one "
            + "holder's two releases the higher number stands")
    void releasesOfManyPhonesInOneFlush(Vertx vertx, VertxTestContext ctx) {
        List<Future<?>> calls = new ArrayList<>();
        store(vertx, 4, FAR, 1).compose(store -> phones(store, "phone-a", "phone-b", "phone-c")
                        .compose(held -> SequenceHolder.takeOver(store, "phone-c").map(newer -> {
                            // phone-c moved to another connection: its first holder's release comes too late.
                            SequenceHolder a = held.get("phone-a"), b = held.get("phone-b"), c = held.get("phone-c");
                            calls.add(store.releaseSeq("phone-a", a.epoch(), a.block().from() + 1));
                            calls.add(store.releaseSeq("phone-a", a.epoch(), a.block().from() + 4));
                            calls.add(store.releaseSeq("phone-b", b.epoch(), b.block().from()));
                            calls.add(store.releaseSeq("phone-c", c.epoch(), c.block().from()));
                            return newer;
                        }))
                        .compose(newer -> Future.all(calls).map(newer)))
                .compose(newer -> Future.all(flushes(), strings("SELECT device_id, seq_reserved FROM devices ORDER BY 1"))
                        .map(db -> Map.entry(newer, db)))
                .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
                    long block = SequenceHolder.BLOCK;
                    SequenceHolder newer = result.getKey();
                    assertThat(result.getValue().<Long>resultAt(0)).as("flushes").isEqualTo(1L);
                    assertThat(result.getValue().<List<String>>resultAt(1)).containsExactly(
                            "phone-a " + 5, "phone-b " + 1, "phone-c " + newer.block().to());
                    assertThat(newer.block().to()).as("the newer holder's block, past the first").isEqualTo(2 * block);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a sequence's release rides with the log appends waiting, as a browser's command does: nobody waits for it")
    void releaseRidesWithTheAppends(Vertx vertx, VertxTestContext ctx) {
        Duration behindWindow = Duration.ofMillis(600);
        store(vertx, 1_000, Duration.ofMillis(50), behindWindow, Integer.MAX_VALUE, FAR, 1)
                .compose(store -> phones(store, "phone-q").compose(held -> {
                    SequenceHolder q = held.get("phone-q");
                    long handedOver = System.nanoTime();
                    Future<Void> append = store.saveMessagesAndLog("phone-q", messages("q-1"), q.next("messages:sync"), "{}");
                    return store.releaseSeq("phone-q", q.epoch(), q.block().from())
                            .map(v -> new Ride(null, Duration.ofNanos(System.nanoTime() - handedOver), append.isComplete(), 0));
                }))
                .compose(ride -> Future.all(flushes(), strings("SELECT seq_reserved, last_seq FROM devices")).map(db -> Map.entry(ride, db)))
                .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
                    Ride ride = result.getKey();
                    assertThat(ride.waited()).as("the release waited for the appends' window").isGreaterThanOrEqualTo(behindWindow);
                    assertThat(ride.appendStored()).as("the append stored in the same flush").isTrue();
                    assertThat(result.getValue().<Long>resultAt(0)).as("flushes").isEqualTo(1L);
                    assertThat(result.getValue().<List<String>>resultAt(1)).as("reserved up to the one number handed out, which is stored")
                            .containsExactly("1 1");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a browser's command with no log append waiting goes after the short window, not its ride window")
    void commandAloneGoesAfterTheShortWindow(Vertx vertx, VertxTestContext ctx) {
        // The ride window is longer than the test may run: only the short window can start the flush.
        store(vertx, 1_000, Duration.ofMillis(100), FAR, Integer.MAX_VALUE, FAR, 1)
                .compose(store -> devices("phone-a").compose(v -> store.enqueueCommand("phone-a", "k", "send:message", new JsonObject())))
                .compose(queued -> Future.all(flushes(), strings("SELECT key FROM outbox")))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(db.<Long>resultAt(0)).as("flushes").isEqualTo(1L);
                    assertThat(db.<List<String>>resultAt(1)).containsExactly("k");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("log appends handed over one after another go together once the oldest has waited its window, not each at its own")
    void logAppendsGoTogether(Vertx vertx, VertxTestContext ctx) {
        Duration behindWindow = Duration.ofMillis(300);
        store(vertx, 1_000, FAR, behindWindow, 1).compose(store -> phones(store, "phone-t").compose(held -> {
            SequenceHolder t = held.get("phone-t");
            Future<Void> first = store.saveMessagesAndLog("phone-t", messages("t1"), t.next("messages:sync"), "{}");
            // Handed over well inside the first one's window, each due later than it.
            return vertx.timer(100).compose(x -> Future.all(first,
                    store.saveMessagesAndLog("phone-t", messages("t2"), t.next("messages:sync"), "{}"),
                    vertx.timer(50).compose(y -> store.saveMessagesAndLog("phone-t", messages("t3"), t.next("messages:sync"), "{}"))));
        })).compose(v -> Future.all(flushes(), strings("SELECT seq FROM device_events ORDER BY seq")))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(db.<Long>resultAt(0)).as("flushes").isEqualTo(1L);
                    assertThat(db.<List<String>>resultAt(1)).containsExactly("1", "2", "3");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("log appends go as soon as their batch count waits, not their window; the next append waits for the next batch or its window")
    void logAppendsGoByCount(Vertx vertx, VertxTestContext ctx) {
        // The window is longer than the test may run: only the count can start the appends' flushes.
        store(vertx, 1_000, FAR, FAR, 3, 1).compose(store -> phones(store, "phone-c").compose(held -> {
            SequenceHolder c = held.get("phone-c");
            List<Future<Void>> batch = new ArrayList<>();
            for (String id : List.of("c1", "c2", "c3")) {
                batch.add(store.saveMessagesAndLog("phone-c", messages(id), c.next("messages:sync"), "{}"));
            }
            return Future.all(batch).map(v -> store.saveMessagesAndLog("phone-c", messages("c4"), c.next("messages:sync"), "{}"))
                    .compose(fourth -> vertx.timer(300).map(v -> fourth));
        })).compose(fourth -> Future.all(flushes(), strings("SELECT seq FROM device_events ORDER BY seq")).map(db -> List.of(fourth, db)))
                .onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
                    CompositeFuture db = (CompositeFuture) outcome.get(1);
                    assertThat(db.<Long>resultAt(0)).as("flushes: the three together").isEqualTo(1L);
                    assertThat(db.<List<String>>resultAt(1)).containsExactly("1", "2", "3");
                    assertThat((Future<?>) outcome.get(0)).as("the fourth append, alone within its window").matches(f -> !f.isComplete());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a log append goes once its own window has passed, not the other writes' longer one; a write handed over with it goes in the same flush")
    void logAppendAloneGoesAfterItsWindow(Vertx vertx, VertxTestContext ctx) {
        // The other writes' window is longer than the test may run: only the append's can start the flush.
        Duration behind = Duration.ofMillis(300);
        store(vertx, 1_000, FAR, behind, 1).compose(store -> phones(store, "phone-l").compose(held -> {
            long handedOver = System.nanoTime();
            Future<Void> append = store.saveMessagesAndLog("phone-l", messages("l1"), held.get("phone-l").next("messages:sync"), "{}");
            Future<Boolean> queued = store.enqueueCommand("phone-l", "k", "send:message", new JsonObject());
            return Future.all(append, queued).map(v -> Duration.ofNanos(System.nanoTime() - handedOver));
        })).compose(waited -> flushes().map(flushes -> List.of(waited, flushes)))
                .onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
                    assertThat((Duration) outcome.get(0)).as("not before the append's window").isGreaterThanOrEqualTo(behind);
                    assertThat(outcome.get(1)).as("flushes").isEqualTo(1L);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("within a flush each event's version of the same message is stored under its event's number, and the later one is "
            + "the message as it stands, as if each write had been stored in turn")
    void lastVersionWins(Vertx vertx, VertxTestContext ctx) {
        JsonArray first = new JsonArray().add(new JsonObject().put("id", "m1").put("status", "sending"));
        JsonArray second = new JsonArray().add(new JsonObject().put("id", "m1").put("status", "sent"));
        Store[] opened = new Store[1];
        store(vertx, 2, FAR, 1).compose(store -> phones(opened[0] = store, "p").compose(held -> Future.all(
                        store.saveMessagesAndLog("p", first, held.get("p").next("messages:sync"), "{}"),
                        store.saveMessagesAndLog("p", second, held.get("p").next("messages:sync"), "{}"))))
                .compose(v -> Future.all(strings("SELECT status FROM messages ORDER BY seq"), opened[0].loadThreads("p", 1, 10)))
                .onComplete(ctx.succeeding(db -> ctx.verify(() -> {
                    assertThat(db.<List<String>>resultAt(0)).containsExactly("sending", "sent");
                    List<JsonArray> threads = db.resultAt(1);
                    assertThat(threads.get(0).getJsonObject(0).getString("status")).isEqualTo("sent");
                    assertThat(commit.flushes()).isEqualTo(1);
                    ctx.completeNow();
                })));
    }
}
