package io.relay.ops;

import io.relay.cluster.Membership;
import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * What makes a node operable, in one place: its {@link Metrics}, its {@link Health} (with the node's
 * readiness checks) and the HTTP routes that expose them, the OpenAPI document and the demo pages.
 * One per node, shared by all HTTP verticle instances.
 */
public final class Ops {

    private final Metrics metrics;
    private final Health health;

    private Ops(Metrics metrics, Health health) {
        this.metrics = metrics;
        this.health = health;
    }

    /**
     * Metrics (in the Vert.x backend registry when there is one) and the readiness checks of a node
     * whose storage is up: {@code database} (answers within the budget), {@code migrations} (the schema
     * is at least at the version this node migrated it to at start-up), {@code cluster} (this node
     * is a member, always so standalone) and {@code draining} (the node's flag).
     */
    public static Future<Ops> start(Vertx vertx, Metrics metrics, Store store, Membership membership, BooleanSupplier draining) {
        return store.schemaVersion().map(migrated -> {
            Health health = new Health(vertx, draining);
            health.readinessCheck("database", () -> {
                long started = System.nanoTime();
                return store.schemaVersion().map(v -> new JsonObject().put("answeredInMs", (System.nanoTime() - started) / 1_000_000));
            });
            health.readinessCheck("migrations", () -> store.schemaVersion().map(current -> migrations(current, migrated)));
            health.readinessCheck("cluster", () -> membership.joined()
                    ? Future.succeededFuture(new JsonObject().put("clustered", vertx.isClustered()).put("member", membership.localNodeId())
                            .put("members", membership.size()))
                    : Future.failedFuture("not a member of the cluster"));
            metrics.drainingGauge(draining);
            return new Ops(metrics, health);
        });
    }

    /** UP when the schema is at (or, after a newer node migrated it, beyond) the version this node migrated to. */
    static JsonObject migrations(Optional<String> current, Optional<String> migratedAtStart) {
        String now = current.orElseThrow(() -> new IllegalStateException("no migration has been applied"));
        String expected = migratedAtStart.orElse("0");
        if (SchemaVersions.compare(now, expected) < 0) {
            throw new IllegalStateException("schema version " + now + " is older than " + expected);
        }
        return new JsonObject().put("version", now);
    }

    public Metrics metrics() {
        return metrics;
    }

    public Health health() {
        return health;
    }

    /** Mounts {@code /health/*}, {@code /metrics}, {@code /openapi.json} and {@code /demo/}. Call before any catch-all route. */
    public void mount(Router router) {
        OpsRoutes.mount(router, this);
    }

    public void close() {
        metrics.close();
    }
}
