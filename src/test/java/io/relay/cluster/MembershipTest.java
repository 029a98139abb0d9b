package io.relay.cluster;

import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.core.shareddata.AsyncMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Two clustered Vert.x instances in this JVM, on loopback, in a cluster of their own. */
@DisplayName("Cluster membership")
class MembershipTest {

    private final List<ClusteredVertx> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (ClusteredVertx node : started) {
            await(node.vertx().close());
        }
    }

    @Test
    @Timeout(90)
    @DisplayName("reports a node that left with the id it had for itself and its NODE_ID, so peers know whose phones and sessions went")
    void nodeLeftCarriesTheLocalIdOfThatNode() throws Exception {
        int portB = freePort();
        ClusteredVertx[] nodes = twoNodes(freePort(), portB);
        ClusteredVertx a = nodes[0];
        ClusteredVertx b = nodes[1];
        assertThat(a.membership().joined()).isTrue();
        assertThat(a.membership().localNodeId()).isNotEqualTo(b.membership().localNodeId());

        CompletableFuture<Membership.Departure> left = new CompletableFuture<>();
        a.membership().onNodeLeft(left::complete);
        String idOfB = b.membership().localNodeId();
        started.remove(b);
        await(b.vertx().close());

        Membership.Departure departure = left.get(30, TimeUnit.SECONDS);
        assertThat(departure.memberId()).isEqualTo(idOfB);
        assertThat(departure.nodeId()).as("NODE_ID, the prefix of its Engine.IO sessions").isEqualTo("node-" + portB);
    }

    @Test
    @Timeout(90)
    @DisplayName("reuses threads for Hazelcast's callbacks: 500 writes to a cluster-wide map start no thread each, whatever the cores")
    void callbacksReuseThreads() throws Exception {
        ClusteredVertx a = twoNodes(freePort(), freePort())[0];
        AsyncMap<String, String> map = await(a.vertx().sharedData().<String, String>getAsyncMap("relay.test-callbacks"));
        for (int i = 0; i < 100; i++) { // the cluster settles (its partitions move, pools fill) before counting
            await(map.put("settle-" + i, "value"));
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long before = threads.getTotalStartedThreadCount();
        for (int i = 0; i < 500; i++) {
            await(map.put("key-" + i, "value"));
        }
        // On two cores or fewer, Hazelcast's own default starts one thread per callback: about 500 here.
        assertThat(threads.getTotalStartedThreadCount() - before).isLessThan(100);
    }

    /** Two nodes in a cluster of their own, Hazelcast on the two ports. */
    private ClusteredVertx[] twoNodes(int portA, int portB) throws Exception {
        String name = "membership-test-" + UUID.randomUUID();
        return new ClusteredVertx[] {start(name, portA, portB), start(name, portB, portA)};
    }

    private ClusteredVertx start(String clusterName, int hazelcastPort, int otherPort) throws Exception {
        RelayConfig base = TestConfigs.forDatabase(null).toBuilder().nodeId("node-" + hazelcastPort).build();
        RelayConfig.Cluster cluster = new RelayConfig.Cluster(true, clusterName, RelayConfig.Cluster.Discovery.TCP,
                List.of("127.0.0.1:" + hazelcastPort, "127.0.0.1:" + otherPort), "127.0.0.1", "127.0.0.1",
                hazelcastPort, 0, null, null, null);
        ClusteredVertx node = await(ClusteredVertx.start(base.toBuilder().cluster(cluster).build(), new VertxOptions()));
        started.add(node);
        return node;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
