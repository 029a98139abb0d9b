package io.relay;

import io.relay.config.ConfigException;
import io.relay.config.ConfigLoader;
import io.relay.config.RelayConfig;
import io.relay.cluster.ClusteredVertx;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private Main() {
    }

    public static void main(String[] args) {
        // Tools in the same jar: the load tool and its baseline server (io.relay.bench).
        if (args.length > 0 && "bench".equals(args[0])) {
            System.exit(io.relay.bench.BenchCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out));
            return;
        }
        if (args.length > 0 && "forwarder".equals(args[0])) {
            int status = io.relay.bench.Forwarder.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            if (status >= 0) {
                System.exit(status);
            }
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
        AtomicReference<Vertx> vertx = new AtomicReference<>();
        AtomicReference<RelayNode> running = new AtomicReference<>();
        long drainSeconds = Math.max(1, config.drain().toSeconds());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx.get(), running.get(), drainSeconds), "relay-shutdown"));
        ClusteredVertx.start(config, new VertxOptions()).compose(started -> {
            vertx.set(started.vertx());
            return RelayNode.start(started.vertx(), config, started.membership());
        }).onComplete(ar -> {
            if (ar.succeeded()) {
                running.set(ar.result());
            } else {
                log.error("relay node {} failed to start: {}", config.nodeId(), ar.cause().getMessage(), ar.cause());
                // Exit from another thread: System.exit waits for the shutdown hook, which needs the event loops.
                new Thread(() -> System.exit(1), "relay-exit").start();
            }
        });
    }

    /** Drains the node, then closes Vert.x, which leaves the cluster; bounded by DRAIN_SECONDS. */
    private static void shutdown(Vertx vertx, RelayNode node, long drainSeconds) {
        if (vertx == null) {
            return;
        }
        log.info("relay node draining (at most {} s)", drainSeconds);
        CountDownLatch done = new CountDownLatch(1);
        (node == null ? vertx.close() : node.close().eventually(vertx::close)).onComplete(ar -> done.countDown());
        try {
            if (!done.await(drainSeconds, TimeUnit.SECONDS)) {
                log.warn("drain did not finish in {} s; exiting anyway", drainSeconds);
            } else {
                log.info("relay node stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
