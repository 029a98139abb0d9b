package io.relay.cluster;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.relay.cluster.ClusterFlowFacts.client;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM to a node that holds clients, behind nginx: the node drains (no new sessions, sockets closed
 * without a Socket.IO DISCONNECT) and exits cleanly, and its clients carry on from the other nodes.
 */
@DisplayName("Draining a node of a 3-node cluster")
class DrainIT {
    private static final int DRAIN_SECONDS = 15;

    @RegisterExtension
    static final LocalCluster cluster = LocalCluster.perClass("drain", 3, Map.of("DRAIN_SECONDS", String.valueOf(DRAIN_SECONDS)));

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @DisplayName("on SIGTERM exits cleanly within DRAIN_SECONDS, and its phone and browsers reconnect to the other nodes and keep working without an error")
    void sigtermDrainsTheNode() throws Exception {
        try (NodeDriver client = NodeDriver.clusterFlow(cluster.balancer().url(), "drain", cluster.dir().resolve("client-drain.log"))) {
            JsonObject placed = client.await("phase", Duration.ofSeconds(60));
            String drained = placed.getString("phoneNode");
            JsonObject before = placed.getJsonObject("clients");
            assertThat(client(before, "web-websocket").getString("node")).as("a browser with the phone on the drained node; " + placed.encode())
                    .isEqualTo(drained);

            LocalCluster.Node node = cluster.node(drained);
            long started = System.nanoTime();
            node.process.destroy(); // SIGTERM
            client.nodeStopped(drained, System.currentTimeMillis());
            boolean exited = node.process.waitFor(DRAIN_SECONDS + 5, TimeUnit.SECONDS);
            long exitMs = LocalCluster.millisSince(started);
            String log = node.log();
            assertThat(exited).as("exited; " + node.tail()).isTrue();
            assertThat(exitMs).as("exit within DRAIN_SECONDS; " + node.tail()).isLessThan(DRAIN_SECONDS * 1000L);
            assertThat(node.process.exitValue()).as("terminated by SIGTERM, shutdown hooks done; " + node.tail()).isEqualTo(143);
            assertThat(log).as(node.tail())
                    .contains("relay node draining", "relay node stopped")
                    // each step says how long it took, so a drain that runs out of time tells which one held it
                    .contains("drain: closing the sockets and the HTTP servers took", "drain: finishing the writes in flight and closing storage took",
                            "drain: leaving the cluster and closing Vert.x took")
                    .doesNotContain("drain did not finish", " ERROR ");

            JsonObject result = client.await("ok", Duration.ofSeconds(100));
            String facts = "client facts " + result.encodePrettily() + "\n" + client.output() + "\n" + cluster.logs();
            assertThat(result.getBoolean("ok")).as(facts).isTrue();

            ClusterFlowFacts.everyClientReconnectedAwayFrom(result, drained, facts);
            ClusterFlowFacts.noErrorsAndEverySendArrived(result, facts);
            for (String name : List.of("phone", "web-websocket", "web-default", "web-polling")) {
                JsonObject record = ClusterFlowFacts.clientFacts(result, name);
                // The balancer skips the draining node (503 for new sessions, then refused): reconnecting never fails.
                assertThat(ClusterFlowFacts.array(record, "connectErrors")).as(name + " reconnected at the first try; " + facts).isEmpty();
                if (!client(before, name).getString("node").equals(drained)) {
                    // Even a polling client whose long-poll was passing through the drained node.
                    assertThat(ClusterFlowFacts.array(record, "disconnects").stream().map(d -> ((JsonObject) d).getLong("at")))
                            .as(name + " was not on the drained node and kept its connection; " + facts)
                            .allMatch(at -> at < 0);
                }
                if (!name.equals("phone") && !client(before, name).getString("node").equals(drained)) {
                    assertThat(ClusterFlowFacts.array(record, "mobileDisconnected")).as(name + " heard mobile:disconnected; " + facts).isNotEmpty();
                }
            }
            System.out.printf("CLUSTER DRAIN (SIGTERM to %s, the phone's node): exited after %d ms; first message after reconnect at every "
                            + "browser %d ms after the signal; phone registered again after %d ms; clients %s%n",
                    drained, exitMs, result.getLong("recoveryMs"), result.getLong("phoneRegisteredAgainMs"), ClusterFlowFacts.summary(result));
        }
    }
}
