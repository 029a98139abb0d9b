package io.relay;

import io.relay.config.ConfigException;
import io.relay.config.ConfigLoader;
import io.relay.config.RelayConfig;
import io.relay.cluster.ClusteredVertx;
import io.relay.ops.LogContext;
import io.relay.ops.Metrics;
import io.relay.ops.Welcome;
import io.relay.store.EmbeddedDatabase;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts one relay node: reads the configuration (conf/config.json, then environment overrides),
 * starts Vert.x and the {@link RelayNode}, and stops both cleanly on SIGTERM so sockets are closed
 * (clients reconnect elsewhere) and an embedded database is shut down, not killed.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    /** The command that runs only a database, for several nodes on one machine to share. */
    static final String EMBEDDED_POSTGRES = "embedded-postgres";

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && EMBEDDED_POSTGRES.equals(args[0])) {
            embeddedPostgres();
            return;
        }
        if (args.length > 0) {
            log.error("Unknown command '{}'; run without arguments for a node, or with: {}", args[0], EMBEDDED_POSTGRES);
            System.exit(2);
            return;
        }
        RelayConfig config;
        try {
            config = ConfigLoader.fromEnvironment(System.getenv());
        } catch (ConfigException e) {
            log.error("Configuration error: {}", e.getMessage());
            System.exit(2);
            return;
        }
        LogContext.nodeId(config.nodeId());
        AtomicReference<Vertx> vertx = new AtomicReference<>();
        AtomicReference<RelayNode> running = new AtomicReference<>();
        long drainSeconds = Math.max(1, config.drain().toSeconds());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx.get(), running.get(), drainSeconds), "relay-shutdown"));
        // Vert.x metrics (HTTP, event bus, DB pool, JVM) go to the registry the node's /metrics scrapes.
        ClusteredVertx.start(config, Metrics.vertxOptions(config.nodeId())).compose(started -> {
            vertx.set(started.vertx());
            return RelayNode.start(started.vertx(), config, started.membership());
        }).onComplete(ar -> {
            if (ar.succeeded()) {
                running.set(ar.result());
                Welcome.log(config, ar.result().port());
            } else {
                log.error("relay node {} failed to start: {}", config.nodeId(), ar.cause().getMessage(), ar.cause());
                // Exit from another thread: System.exit waits for the shutdown hook, which needs the event loops.
                new Thread(() -> System.exit(1), "relay-exit").start();
            }
        });
    }

    /**
     * {@code java -jar relay.jar embedded-postgres}: a real PostgreSQL under {@code DATA_DIR/pg} (the directory a
     * standalone node would use) for a local cluster, whose nodes all need the same database. Prints
     * {@code DATABASE_URL=...} on standard output and runs until stopped; SIGTERM shuts the server down cleanly.
     */
    private static void embeddedPostgres() {
        Path dataDir = Path.of(System.getenv().getOrDefault("DATA_DIR", "./data"));
        EmbeddedDatabase database = EmbeddedDatabase.start(dataDir.resolve("pg"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            database.close();
            stopped.countDown();
        }, "relay-embedded-postgres-stop"));
        System.out.println("DATABASE_URL=" + database.url());
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drains the node, then closes Vert.x, which leaves the cluster; bounded by DRAIN_SECONDS. */
    private static void shutdown(Vertx vertx, RelayNode node, long drainSeconds) {
        if (vertx == null) {
            return;
        }
        log.info("relay node draining (at most {} s)", drainSeconds);
        CountDownLatch done = new CountDownLatch(1);
        (node == null ? vertx.close() : node.closeAndLeave()).onComplete(ar -> done.countDown());
        try {
            if (!done.await(drainSeconds, TimeUnit.SECONDS)) {
                log.warn("drain did not finish in {} s (still {}); exiting anyway", drainSeconds,
                        node == null ? "closing Vert.x" : node.drainStep());
            } else {
                log.info("relay node stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
