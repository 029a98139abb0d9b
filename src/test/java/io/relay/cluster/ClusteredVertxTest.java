package io.relay.cluster;

import io.relay.LogCapture;
import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Vert.x a node runs on: its network transport. */
@DisplayName("A node's Vert.x")
class ClusteredVertxTest {

    private Vertx vertx;

    @AfterEach
    void close() throws Exception {
        if (vertx != null) {
            await(vertx.close());
        }
    }

    @Test
    @Timeout(60)
    @DisplayName("runs on Netty's epoll transport on Linux, and says so in its log")
    void standaloneRunsOnEpoll() throws Exception {
        assumeLinuxWithEpoll();
        try (LogCapture logs = new LogCapture()) {
            vertx = await(ClusteredVertx.start(TestConfigs.forDatabase(null), new VertxOptions())).vertx();
            assertThat(vertx.isNativeTransportEnabled())
                    .as("native transport (unavailable because: %s)", vertx.unavailableNativeTransportCause())
                    .isTrue();
            assertThat(logs.lines()).anyMatch(line -> line.contains("network transport: native (epoll)"));
        }
    }

    @Test
    @Timeout(90)
    @DisplayName("a clustered node too: its event bus to the other nodes goes over epoll")
    void clusteredRunsOnEpoll() throws Exception {
        assumeLinuxWithEpoll();
        int port = freePort();
        RelayConfig base = TestConfigs.forDatabase(null).toBuilder().nodeId("node-" + port).build();
        RelayConfig.Cluster cluster = new RelayConfig.Cluster(true, "transport-test-" + UUID.randomUUID(),
                RelayConfig.Cluster.Discovery.TCP, List.of("127.0.0.1:" + port), "127.0.0.1", "127.0.0.1",
                port, 0, null, null, null);
        vertx = await(ClusteredVertx.start(base.toBuilder().cluster(cluster).build(), new VertxOptions())).vertx();
        assertThat(vertx.isNativeTransportEnabled())
                .as("native transport (unavailable because: %s)", vertx.unavailableNativeTransportCause())
                .isTrue();
    }

    @Test
    @Timeout(60)
    @DisplayName("runs as many event loops as configured, and says so in its log: a verticle's instances take turns on exactly those threads")
    void runsTheConfiguredEventLoops() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            vertx = await(ClusteredVertx.start(TestConfigs.forDatabase(null).toBuilder().eventLoops(3).build(), new VertxOptions())).vertx();
            Set<String> threads = ConcurrentHashMap.newKeySet();
            // Twelve instances of a verticle take the event loops in turn, as the HTTP verticle's instances do.
            await(vertx.deployVerticle(() -> (Deployable) context -> {
                Promise<Void> seen = Promise.promise();
                context.runOnContext(v -> {
                    threads.add(Thread.currentThread().getName());
                    seen.complete();
                });
                return seen.future();
            }, new DeploymentOptions().setInstances(12)));
            assertThat(threads).hasSize(3).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
            assertThat(logs.lines()).anyMatch(line -> line.contains("network transport: ") && line.contains(", 3 event loop(s)"));
        }
    }

    @Test
    @DisplayName("runs one event loop per two CPUs unless told otherwise, and at least one")
    void oneEventLoopPerTwoCpus() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertThat(TestConfigs.forDatabase(null).toBuilder().eventLoops(0).build().effectiveEventLoops()).isEqualTo(Math.max(1, cpus / 2));
        assertThat(TestConfigs.forDatabase(null).toBuilder().eventLoops(5).build().effectiveEventLoops()).isEqualTo(5);
    }

    /** The jar carries epoll for Linux on x86-64 and aarch64; anywhere else the node runs on NIO. */
    private static void assumeLinuxWithEpoll() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64")), "epoll is Linux's, on x86-64 or aarch64");
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
