package io.relay.cluster;

import io.relay.ChildProcesses;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.relay.cluster.ClusterFlowFacts.client;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three relay processes behind a plain round-robin nginx (no sticky sessions), driven only through
 * nginx by the official socket.io-client as a phone and three browsers (websocket, polling with
 * upgrade, polling only). Then the phone's node is killed with SIGKILL.
 */
@DisplayName("A 3-node cluster behind a round-robin nginx")
class ClusterLoadBalancerIT {

    @RegisterExtension
    static final LocalCluster cluster = LocalCluster.perClass("load-balancer", 3, Map.of());

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @DisplayName("pairs and relays both ways without stickiness, and when the phone's node is killed every client reconnects and the flow goes on")
    void killThePhonesNode() throws Exception {
        try (NodeDriver client = NodeDriver.clusterFlow(cluster.balancer().url(), "kill", cluster.dir().resolve("client-kill.log"))) {
            JsonObject placed = client.await("phase", Duration.ofSeconds(60));
            String victim = placed.getString("phoneNode");
            JsonObject before = placed.getJsonObject("clients");
            String context = "placement " + placed.encode();

            // Pairing over REST, phone -> browsers and browser -> phone all worked through nginx before this line.
            assertThat(client(before, "phone").getString("transport")).as(context).isEqualTo("websocket");
            assertThat(client(before, "web-websocket").getString("transport")).as(context).isEqualTo("websocket");
            assertThat(client(before, "web-polling").getString("transport")).as(context).isEqualTo("polling");
            assertThat(client(before, "web-websocket").getString("node")).as("a browser away from the phone; " + context).isNotEqualTo(victim);
            assertPollingWasForwarded(client(before, "web-polling"));

            LocalCluster.Node node = cluster.node(victim);
            node.process.destroyForcibly(); // kill -9: no drain, no goodbye to the cluster
            long killedAt = System.currentTimeMillis();
            client.nodeStopped(victim, killedAt);
            assertThat(node.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(node.process.exitValue()).isEqualTo(137);

            JsonObject result = client.await("ok", Duration.ofSeconds(100));
            String facts = "client facts " + result.encodePrettily() + "\n" + client.output() + "\n" + cluster.logs();
            assertThat(result.getBoolean("ok")).as(facts).isTrue();
            JsonObject after = result.getJsonObject("after");

            ClusterFlowFacts.everyClientReconnectedAwayFrom(result, victim, facts);
            JsonObject survivor = ClusterFlowFacts.clientFacts(result, "web-websocket");
            assertThat(ClusterFlowFacts.array(survivor, "disconnects").stream().map(d -> ((JsonObject) d).getLong("at")))
                    .as("web-websocket kept its connection; " + facts).allMatch(at -> at < 0);
            // Presence on node death: nobody is left on the dead node to say the phone went, so each surviving
            // node tells its own browsers. A node that learns of the death only after the phone has registered
            // again elsewhere rightly stays silent (the phone is online); its browsers heard mobile:connected.
            // Browsers that reconnected meanwhile (a polling request passing through the dead node) are exempt.
            List<String> heardTheLoss = new ArrayList<>();
            for (String name : List.of("web-websocket", "web-default", "web-polling")) {
                JsonObject record = ClusterFlowFacts.clientFacts(result, name);
                boolean keptConnection = ClusterFlowFacts.array(record, "disconnects").stream().allMatch(d -> ((JsonObject) d).getLong("at") < 0);
                if (client(before, name).getString("node").equals(victim) || !keptConnection) {
                    continue;
                }
                boolean heardLoss = !ClusterFlowFacts.array(record, "mobileDisconnected").isEmpty();
                boolean heardReturn = ClusterFlowFacts.array(record, "mobileConnected").stream().anyMatch(at -> ((Number) at).longValue() > 0);
                assertThat(heardLoss || heardReturn).as(name + " heard mobile:disconnected, or mobile:connected once the phone was back; "
                        + facts).isTrue();
                if (heardLoss) {
                    heardTheLoss.add(name);
                }
            }
            assertThat(heardTheLoss).as("a browser on a surviving node heard mobile:disconnected; " + facts).isNotEmpty();
            ClusterFlowFacts.noErrorsAndEverySendArrived(result, facts);
            assertThat(after.getJsonObject("web-polling").getString("transport")).as(facts).isEqualTo("polling");

            long recovery = result.getLong("recoveryMs");
            System.out.printf("CLUSTER RECOVERY (kill -9 of %s, the phone's node): first message after reconnect at every browser %d ms "
                            + "after the kill; phone registered again after %d ms; clients %s%n",
                    victim, recovery, result.getLong("phoneRegisteredAgainMs"), ClusterFlowFacts.summary(result));
            assertThat(recovery).as("recovery time; " + facts).isLessThan(20_000);
        }
    }

    /**
     * The polling-only browser's requests went to more than one node, and some of them to nodes that do
     * not hold its session: nginx is not sticky, and the relay forwarded them to the session's node.
     */
    private static void assertPollingWasForwarded(JsonObject pollingClient) {
        String sid = pollingClient.getString("sid");
        String owner = pollingClient.getString("node");
        List<String> upstreams = ChildProcesses.read(cluster.balancer().accessLog()).lines()
                .filter(line -> line.contains("sid=" + sid))
                .map(ClusterLoadBalancerIT::lastUpstream)
                .toList();
        Set<String> distinct = Set.copyOf(upstreams);
        String ownerAddress = "127.0.0.1:" + cluster.node(owner).port;
        assertThat(distinct).as("nodes that served polling requests of %s (owner %s at %s): %s", sid, owner, ownerAddress, upstreams)
                .hasSizeGreaterThan(1)
                .anyMatch(address -> !address.equals(ownerAddress));
        System.out.printf("polling-only browser %s: %d requests through nginx, served by %s%n", sid, upstreams.size(),
                upstreams.stream().collect(Collectors.groupingBy(a -> a, Collectors.counting())));
    }

    /** {@code upstream=127.0.0.1:1, 127.0.0.1:2} when nginx retried: the last one answered. */
    private static String lastUpstream(String accessLogLine) {
        String upstream = accessLogLine.replaceAll(".* upstream=(.*?) upstream_status=.*", "$1");
        String[] tried = upstream.split(",\\s*");
        return tried[tried.length - 1].trim();
    }
}
