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

    private static Future<String> planCacheMode(Vertx vertx, DatabaseUrl url, boolean forWrites) {
        Pool pool = PgBuilder.pool().connectingTo(PersistenceVerticle.connectOptions(url, forWrites)).using(vertx).build();
        return pool.query("SHOW plan_cache_mode").execute()
                .map(rows -> rows.iterator().next().getString(0))
                .eventually(pool::close);
    }
}
