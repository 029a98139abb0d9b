package io.relay.store;

import io.relay.LogCapture;
import io.relay.TestConfigs;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
class StorageTest {

    @Test
    @DisplayName("Storage.start with a DATABASE_URL migrates that database (in its schema) and serves the Store")
    void startsWithUrl(Vertx vertx, VertxTestContext ctx) {
        // A non-default schema proves the pool's search_path and Flyway agree on where the tables are.
        String url = TestDatabase.freshDatabaseUrl().replace("schema=public", "schema=relay_app");
        Storage.start(vertx, TestConfigs.forDatabase(url))
                .compose(storage -> storage.store().upsertDevice("d1", "Pixel", "Pixel 8")
                        .compose(v -> SequenceHolder.takeOver(storage.store(), "d1"))
                        .compose(d1 -> storage.store().saveMessagesAndLog("d1", new JsonArray().add(new JsonObject().put("id", "m1")),
                                d1.next("messages:sync"), "{}"))
                        .compose(v -> storage.store().loadThreads("d1", 5, 5))
                        .compose(messages -> storage.store().findSession("00000000-0000-0000-0000-000000000000").map(found -> {
                            ctx.verify(() -> assertThat(messages).hasSize(1).allSatisfy(thread -> assertThat(thread).hasSize(1)));
                            return found;
                        }))
                        .compose(found -> {
                            ctx.verify(() -> {
                                assertThat(found).isEmpty();
                                assertThat(storage.databaseUrl().schema()).isEqualTo("relay_app");
                                assertThat(storage.databaseUrl()).isEqualTo(DatabaseUrl.parse(url));
                            });
                            return storage.close();
                        })
                        .map(storage))
                .compose(closed -> closed.store().findSession("00000000-0000-0000-0000-000000000000"))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    // After close nobody answers: the caller sees "storage unavailable", not a hang.
                    assertThat(error).isInstanceOf(StoreException.class);
                    assertThat(((StoreException) error).reason()).isEqualTo(FailureReason.STORAGE_UNAVAILABLE);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("Storage.start without a DATABASE_URL runs an embedded PostgreSQL in dataDir/pg")
    void startsEmbedded(Vertx vertx, VertxTestContext ctx, @TempDir Path dataDir) {
        var config = TestConfigs.forDatabase(null);
        var withDir = config.toBuilder().dataDir(dataDir).build();
        Storage.start(vertx, withDir)
                .compose(storage -> storage.store().upsertDevice("d1", "Pixel", "Pixel 8")
                        .compose(v -> storage.store().loadConversations("d1"))
                        .compose(conversations -> {
                            ctx.verify(() -> {
                                assertThat(conversations).isEmpty();
                                assertThat(storage.databaseUrl().database()).isEqualTo(EmbeddedDatabase.DATABASE);
                                assertThat(Files.exists(dataDir.resolve("pg").resolve("PG_VERSION"))).isTrue();
                            });
                            return storage.close();
                        }))
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("A malformed DATABASE_URL fails the start with a message naming DATABASE_URL")
    void malformedUrl(Vertx vertx, VertxTestContext ctx) {
        Storage.start(vertx, TestConfigs.forDatabase("mysql://nope"))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DATABASE_URL");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("An unreachable database fails the start instead of leaving a half-started node")
    void unreachable(Vertx vertx, VertxTestContext ctx) {
        Storage.start(vertx, TestConfigs.forDatabase("postgresql://u:p@127.0.0.1:1/db"))
                .onComplete(ctx.failing(error -> ctx.completeNow()));
    }

    @Test
    @DisplayName("When the database goes away, store calls fail with 503 (storage unavailable) rather than hang")
    void databaseDown(Vertx vertx, VertxTestContext ctx) {
        DatabaseUrl nowhere = DatabaseUrl.parse("postgresql://u:p@127.0.0.1:1/db");
        PersistenceVerticle persistence = new PersistenceVerticle(TestConfigs.forDatabase(null), nowhere, FlushObserver.NONE);
        vertx.deployVerticle(persistence)
                .compose(id -> persistence.store().loadConversations("d1"))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).isInstanceOf(StoreException.class);
                    assertThat(((StoreException) error).reason()).isEqualTo(FailureReason.STORAGE_UNAVAILABLE);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("closing storage (a node draining) lets writes already under way commit before the pool closes")
    void closeWaitsForWrites(Vertx vertx, VertxTestContext ctx) {
        var config = TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl());
        JsonArray batch = new JsonArray();
        for (int i = 0; i < 2_000; i++) {
            batch.add(new JsonObject().put("id", "m" + i).put("body", "x".repeat(200)).put("timestamp", (long) i));
        }
        Storage.start(vertx, config)
                .compose(storage -> storage.store().upsertDevice("draining-phone", null, null)
                        .compose(v -> SequenceHolder.takeOver(storage.store(), "draining-phone"))
                        .compose(phone -> {
                            var saving = storage.store().saveMessagesAndLog("draining-phone", batch, phone.next("messages:sync"), "{}");
                            return vertx.timer(5) // the write is with the group commit: written behind, waiting for company, or its statement running
                                    .compose(t -> storage.close())
                                    .compose(closed -> saving);
                        }))
                .compose(saved -> Storage.start(vertx, config))
                .compose(again -> again.store().loadThreads("draining-phone", 5, 5_000).eventually(again::close))
                .onComplete(ctx.succeeding(stored -> ctx.verify(() -> {
                    assertThat(stored).hasSize(1); // one thread: none of them names a conversation or number
                    assertThat(stored.get(0)).hasSize(2_000);
                    ctx.completeNow();
                })));
    }

    /** What a draining node's storage can be left waiting on: a statement of its own, or a flush of the group commit. */
    enum Hung {
        DIRECT_STATEMENT("extend-seq", "0 write(s) waiting, 0 flush(es) running", "running: extend-seq for "),
        FLUSH("release-seq", "0 write(s) waiting, 1 flush(es) running (the oldest write handed over ", "");

        final String op;
        final String logged;
        final String named;

        Hung(String op, String logged, String named) {
            this.op = op;
            this.logged = logged;
            this.named = named;
        }

        Future<?> start(Store store, String deviceId, Store.SeqBlock block) {
            return this == DIRECT_STATEMENT ? store.extendSeq(deviceId, block.epoch(), 10) : store.releaseSeq(deviceId, block.epoch(), block.from());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Hung.class)
    @DisplayName("closing storage gives up on a statement or a flush that does not answer within its share of the drain (four "
            + "fifths of DRAIN_SECONDS), names it in the log, cancels it and fails it, so a draining node still leaves the cluster in time")
    void closeGivesUpOnAHungStatement(Hung hung) throws Exception {
        String url = TestDatabase.freshDatabaseUrl();
        var config = TestConfigs.forDatabase(url).toBuilder().drain(Duration.ofSeconds(10)).build();
        Vertx vertx = Vertx.vertx();
        try (LogCapture logs = new LogCapture()) {
            Storage storage = await(Storage.start(vertx, config));
            Store store = storage.store();
            await(store.upsertDevice("held-phone", null, null));
            Store.SeqBlock block = await(store.takeOverSeq("held-phone", null, null, SequenceHolder.BLOCK));
            DatabaseUrl db = DatabaseUrl.parse(url);
            try (Connection holder = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password().isEmpty() ? null : db.password())) {
                // Another session holds the phone's row: the statement (an update of that row) waits on it.
                holder.setAutoCommit(false);
                holder.createStatement().execute("SELECT 1 FROM devices WHERE device_id = 'held-phone' FOR UPDATE");
                CompletableFuture<?> waiting = hung.start(store, "held-phone", block).toCompletionStage().toCompletableFuture();
                long started = System.nanoTime();
                await(storage.close());
                long tookMillis = (System.nanoTime() - started) / 1_000_000;

                assertThat(tookMillis).as("storage waits its share of the drain, not the whole of it nor the store's own timeout")
                        .isBetween(PersistenceVerticle.storageShareOf(config.drain()).toMillis(), config.drain().toMillis() - 500);
                assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).as(hung.op).cause().isInstanceOf(StoreException.class)
                        .satisfies(e -> assertThat(((StoreException) e).reason()).isEqualTo(FailureReason.STORAGE_UNAVAILABLE));
                assertThat(logs.lines()).anySatisfy(line -> assertThat(line).startsWith("closing storage after")
                        .contains(hung.logged).contains(hung.named));
                assertThat(logs.lines()).contains("cancelled 1 statement(s) of this node still running on the database");
                // A backend leaves pg_stat_activity a moment after its client closed the connection.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                int left;
                do {
                    try (var sessions = holder.createStatement().executeQuery(
                            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'relay " + config.nodeId() + " %'")) {
                        sessions.next();
                        left = sessions.getInt(1);
                    }
                } while (left > 0 && System.nanoTime() < deadline && sleep(50));
                assertThat(left).as("the node's sessions, the one waiting on the lock among them, are gone").isZero();
            }
        } finally {
            await(vertx.close());
        }
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
