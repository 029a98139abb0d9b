package io.relay.cluster;

import io.relay.RelayNode;
import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.relay.store.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.concurrent.TimeUnit;

/**
 * Relay nodes in this JVM, each on its own clustered Vert.x (Hazelcast on loopback), sharing one fresh
 * database. The cluster has a name of its own, so test runs side by side never merge.
 */
final class TestCluster implements AutoCloseable {
    final List<ClusteredVertx> vertxes = new ArrayList<>();
    final List<RelayNode> nodes = new ArrayList<>();
    final List<RelayConfig> configs = new ArrayList<>();
    private String databaseUrl;

    static TestCluster start(int size) throws Exception {
        return start(size, (node, config) -> config);
    }

    /** As {@link #start(int)}, each node's test configuration changed by {@code configure(node index, config)}. */
    static TestCluster start(int size, BiFunction<Integer, RelayConfig, RelayConfig> configure) throws Exception {
        String databaseUrl = TestDatabase.freshDatabaseUrl();
        String name = "relay-test-" + UUID.randomUUID();
        TestCluster cluster = new TestCluster();
        cluster.databaseUrl = databaseUrl;
        try {
            for (int i = 0; i < size; i++) {
                RelayConfig config = configure.apply(i, TestConfigs.forDatabase(databaseUrl).toBuilder()
                        .nodeId("n" + i + UUID.randomUUID().toString().substring(0, 4))
                        .cluster(RelayConfig.Cluster.standalone().enabledOnLoopback(name))
                        .build());
                cluster.configs.add(config);
                ClusteredVertx started = ClusteredVertx.start(config, new VertxOptions())
                        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                cluster.vertxes.add(started);
                cluster.nodes.add(RelayNode.start(started.vertx(), config, started.membership())
                        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
            }
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    String databaseUrl() {
        return databaseUrl;
    }

    String url(int node) {
        return "http://127.0.0.1:" + nodes.get(node).port();
    }

    @Override
    public void close() throws Exception {
        List<Future<Void>> closing = new ArrayList<>();
        for (int i = 0; i < vertxes.size(); i++) {
            ClusteredVertx v = vertxes.get(i);
            Future<Void> nodeClosed = i < nodes.size() ? nodes.get(i).close() : Future.succeededFuture();
            closing.add(nodeClosed.eventually(() -> v.vertx().close()));
        }
        Future.join(closing).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
