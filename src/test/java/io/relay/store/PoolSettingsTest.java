package io.relay.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the persistence verticle's two pools ask of each PostgreSQL session they open, as the server sees it. */
@ExtendWith(VertxExtension.class)
@DisplayName("The database sessions of the two pools")
class PoolSettingsTest {

    @Test
    @DisplayName("the group commit's sessions keep one generic plan per statement; the reads' sessions plan as PostgreSQL decides")
    void planCacheMode(Vertx vertx, VertxTestContext ctx) {
        DatabaseUrl url = DatabaseUrl.parse(TestDatabase.freshDatabaseUrl());
        Future.all(planCacheMode(vertx, url, true), planCacheMode(vertx, url, false))
                .onComplete(ctx.succeeding(modes -> ctx.verify(() -> {
                    assertThat(modes.<String>resultAt(0)).as("writes").isEqualTo("force_generic_plan");
                    assertThat(modes.<String>resultAt(1)).as("reads").isEqualTo("auto");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("each session names its node and pool to the server (pg_stat_activity, the server's log), cut to PostgreSQL's 63 bytes")
    void applicationName(Vertx vertx, VertxTestContext ctx) {
        DatabaseUrl url = DatabaseUrl.parse(TestDatabase.freshDatabaseUrl());
        String longNode = "relay-7f9c6d8b5-" + "x".repeat(60);
        Future.all(show(vertx, url, "relay-0", true, "application_name"), show(vertx, url, "relay-0", false, "application_name"),
                        show(vertx, url, longNode, false, "application_name"))
                .onComplete(ctx.succeeding(names -> ctx.verify(() -> {
                    assertThat(names.<String>resultAt(0)).isEqualTo("relay relay-0 writes");
                    assertThat(names.<String>resultAt(1)).isEqualTo("relay relay-0 reads");
                    assertThat(names.<String>resultAt(2)).hasSize(63).startsWith("relay relay-7f9c6d8b5-xxx").endsWith("x reads");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("both pools' sessions give up on a statement, and on a transaction left idle, when the store does (10 s)")
    void timeouts(Vertx vertx, VertxTestContext ctx) {
        DatabaseUrl url = DatabaseUrl.parse(TestDatabase.freshDatabaseUrl());
        Future.all(List.of(show(vertx, url, "n1", true, "statement_timeout"), show(vertx, url, "n1", false, "statement_timeout"),
                        show(vertx, url, "n1", true, "idle_in_transaction_session_timeout"),
                        show(vertx, url, "n1", false, "idle_in_transaction_session_timeout")))
                .onComplete(ctx.succeeding(settings -> ctx.verify(() -> {
                    assertThat(PgStore.TIMEOUT).isEqualTo(Duration.ofSeconds(10));
                    assertThat(settings.<String>list()).containsExactly("10s", "10s", "10s", "10s");
                    ctx.completeNow();
                })));
    }

    private static Future<String> planCacheMode(Vertx vertx, DatabaseUrl url, boolean forWrites) {
        return show(vertx, url, "n1", forWrites, "plan_cache_mode");
    }

    private static Future<String> show(Vertx vertx, DatabaseUrl url, String nodeId, boolean forWrites, String setting) {
        Pool pool = PgBuilder.pool().connectingTo(PersistenceVerticle.connectOptions(url, nodeId, forWrites)).using(vertx).build();
        return pool.query("SHOW " + setting).execute()
                .map(rows -> rows.iterator().next().getString(0))
                .eventually(pool::close);
    }
}
