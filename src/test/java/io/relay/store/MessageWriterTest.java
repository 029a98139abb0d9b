package io.relay.store;

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
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Group commit of the phones' messages")
class MessageWriterTest {
    private static final int PHONES = 40;
    private Pool pool;

    @BeforeEach
    void start(Vertx vertx) {
        DatabaseUrl url = DatabaseUrl.parse(TestDatabase.freshDatabaseUrl());
        Migrations.migrate(url);
        pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(url.pgConnectOptions()).using(vertx).build();
    }

    @AfterEach
    void stop(VertxTestContext ctx) {
        pool.close().onComplete(ctx.succeedingThenComplete());
    }

    private static JsonArray batch(String phone, String... ids) {
        JsonArray messages = new JsonArray();
        for (String id : ids) {
            messages.add(new JsonObject().put("id", id).put("conversationId", "c").put("body", phone + " " + id).put("timestamp", 1L));
        }
        return messages;
    }

    /** Runs {@code action} on one event-loop context, as the persistence verticle does, and waits for its Future. */
    private static <T> Future<T> onContext(Vertx vertx, java.util.function.Supplier<Future<T>> action) {
        Promise<T> result = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> action.get().onComplete(result));
        return result.future();
    }

    private Future<Long> count() {
        return pool.query("SELECT count(*) FROM messages").execute().map(rows -> rows.iterator().next().getLong(0));
    }

    @Test
    @DisplayName("batches of many phones arriving together are stored in far fewer statements, each answered after its commit")
    void groups(Vertx vertx, VertxTestContext ctx) {
        MessageWriter writer = new MessageWriter(pool, 1);
        onContext(vertx, () -> {
            List<Future<Void>> saves = new ArrayList<>();
            for (int i = 0; i < PHONES; i++) {
                saves.add(writer.save("phone-" + i, batch("phone-" + i, "m1", "m2")));
            }
            return Future.all(saves);
        }).compose(v -> count()).onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
            assertThat(rows).isEqualTo(PHONES * 2L);
            assertThat(writer.statements()).isLessThan(PHONES / 4);
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("within a group the later version of the same message wins, as if each batch had been stored in turn")
    void lastVersionWins(Vertx vertx, VertxTestContext ctx) {
        MessageWriter writer = new MessageWriter(pool, 1);
        JsonArray first = new JsonArray().add(new JsonObject().put("id", "m1").put("status", "sending"));
        JsonArray second = new JsonArray().add(new JsonObject().put("id", "m1").put("status", "sent"));
        onContext(vertx, () -> Future.all(writer.save("p", batch("p", "warm-up")), writer.save("p", first), writer.save("p", second)))
                .compose(v -> pool.preparedQuery("SELECT status FROM messages WHERE device_id = $1 AND id = $2").execute(Tuple.of("p", "m1")))
                .onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
                    assertThat(rows.iterator().next().getString("status")).isEqualTo("sent");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a batch the database refuses fails alone; the other batches of its group are stored")
    void badBatchFailsAlone(Vertx vertx, VertxTestContext ctx) {
        MessageWriter writer = new MessageWriter(pool, 1);
        List<Future<Void>> saves = new ArrayList<>();
        onContext(vertx, () -> {
            saves.add(writer.save("warm", batch("warm", "w1")));
            for (int i = 0; i < 10; i++) {
                // PostgreSQL refuses a NUL character in text: only the database can say no to this one.
                saves.add(writer.save("phone-" + i, i == 5 ? batch("phone-5", "bad\u0000id") : batch("phone-" + i, "m1")));
            }
            return Future.join(saves);
        }).otherwiseEmpty().compose(v -> count()).onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
            assertThat(saves.get(6).failed()).isTrue();
            assertThat(saves).filteredOn(Future::succeeded).hasSize(10);
            assertThat(rows).isEqualTo(10L);
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("batches stored with their event are numbered per device 1, 2, 3... in arrival order, grouped in few statements; an unknown device's event fails alone")
    void numbersLoggedBatches(Vertx vertx, VertxTestContext ctx) {
        MessageWriter writer = new MessageWriter(pool, 1);
        int perPhone = 5;
        List<String> phones = new ArrayList<>();
        for (int i = 0; i < PHONES; i++) {
            phones.add("logged-" + i);
        }
        List<Future<Long>> saves = new ArrayList<>();
        Future<Void> devices = Future.all(phones.stream().map(phone -> pool.preparedQuery("INSERT INTO devices (device_id) VALUES ($1)")
                .execute(Tuple.of(phone))).toList()).mapEmpty();
        devices.compose(v -> onContext(vertx, () -> {
            saves.add(writer.saveAndLog("nobody", batch("nobody", "x1"), "messages:sync", new JsonObject().put("n", -1)));
            for (int round = 0; round < perPhone; round++) {
                for (String phone : phones) {
                    JsonObject payload = new JsonObject().put("messages", batch(phone, "m" + round));
                    saves.add(writer.saveAndLog(phone, payload.getJsonArray("messages"), "messages:sync", payload));
                }
            }
            return Future.join(saves);
        })).otherwiseEmpty()
                .compose(v -> pool.query("SELECT device_id, seq, payload::text AS payload FROM device_events ORDER BY device_id, seq").execute())
                .onComplete(ctx.succeeding(events -> ctx.verify(() -> {
                    assertThat(saves.get(0).failed()).as("the unknown device's event").isTrue();
                    for (int p = 0; p < PHONES; p++) {
                        List<Long> numbers = new ArrayList<>();
                        for (int round = 0; round < perPhone; round++) {
                            numbers.add(saves.get(1 + round * PHONES + p).result());
                        }
                        assertThat(numbers).as(phones.get(p)).containsExactly(1L, 2L, 3L, 4L, 5L);
                    }
                    List<String> logged = new ArrayList<>();
                    events.forEach(row -> logged.add(row.getString("device_id") + "#" + row.getLong("seq") + " "
                            + new JsonObject(row.getString("payload")).getJsonArray("messages").getJsonObject(0).getString("id")));
                    assertThat(logged).hasSize(PHONES * perPhone).contains("logged-7#1 m0", "logged-7#5 m4");
                    assertThat(writer.statements()).isLessThan(PHONES * perPhone / 4);
                    ctx.completeNow();
                })));
    }
}
