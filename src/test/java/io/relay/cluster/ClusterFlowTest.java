package io.relay.cluster;

import io.relay.e2e.NodeScript;
import io.relay.warmup.Warmup;
import io.relay.warmup.WarmupChecks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pairing and messaging flow of the apps, played by the official socket.io-client, spread
 * over three clustered nodes (Hazelcast on loopback, one database): the phone on one node, its
 * browsers and the browser's wait-pairing long-poll on others.
 */
@DisplayName("A three-node cluster")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterFlowTest {
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(120);
    private static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        // Node 2 warms up as production nodes do, its throwaway pairs' bus traffic on the cluster's bus.
        cluster = TestCluster.start(3, (node, config) -> node == 2 ? config.toBuilder().warmup(Duration.ofSeconds(2)).build() : config);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @DisplayName("relays everything between a phone on node 0 and browsers on nodes 0 and 1, pairing across nodes, over websocket like the apps")
    void websocketAcrossNodes() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-flow.js", SCRIPT_TIMEOUT, cluster.url(0), "websocket", cluster.url(1));
        assertThat(result.getJsonObject("transports").stream().map(e -> e.getValue())).containsOnly("websocket");
    }

    @Test
    @DisplayName("node 2 warmed up in the cluster before it listened, and none of its throwaway devices' rows are left")
    void warmedUpInTheCluster() throws Exception {
        // The counters also count the other tests' traffic through node 2, so whole rounds are WarmupTest's to check;
        // here: it paired, and at least one round's browser sends went through node 2.
        Map<String, Double> metrics = WarmupChecks.metrics(cluster.nodes.get(2));
        assertThat(metrics.getOrDefault("relay_pairing_scans_total{outcome=\"paired\"}", 0.0)).isPositive();
        assertThat(metrics.getOrDefault("relay_messages_relayed_total{direction=\"to_phone\"}", 0.0))
                .as("browser sends relayed by node 2").isGreaterThanOrEqualTo(Warmup.MESSAGES_PER_ROUND);
        assertThat(WarmupChecks.rowsLeft(cluster.databaseUrl(), cluster.configs.get(2).nodeId()))
                .allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
    }

    @Test
    @DisplayName("does the same from node 2 to node 1 with the client's default transports (polling, then upgrade)")
    void pollingThenUpgradeAcrossNodes() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-flow.js", SCRIPT_TIMEOUT, cluster.url(2), "default", cluster.url(1));
        // The default client upgrades; sessions opened on one node upgrade on that node.
        assertThat(result.getJsonObject("transports").stream().map(e -> e.getValue())).containsOnly("websocket");
    }

    @Test
    @DisplayName("the original web app's mark-read then request-sync, from node 1, reach the original phone on node 0 in that order while it pushes a long thread")
    void originalAppsCommandsInOrderAcrossNodes() throws Exception {
        JsonObject result = NodeScript.assertPasses("original-apps.js", SCRIPT_TIMEOUT, "order", cluster.url(0), cluster.url(1));
        assertThat(result.getInteger("overtaken")).isZero();
    }

    @Test
    @DisplayName("a page reloaded on node 1 gets one messages:sync per conversation of the phone on node 0, offline and online")
    void originalAppsSyncAcrossNodes() throws Exception {
        assertThat(NodeScript.assertPasses("original-apps.js", SCRIPT_TIMEOUT, "sync", cluster.url(0), cluster.url(1)).getInteger("threads"))
                .isEqualTo(3);
    }
}
