package io.relay.cluster;

import io.relay.ChildProcesses;
import io.relay.TestConfigs;
import io.relay.store.TestDatabase;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Relay nodes as separate processes ({@code java -jar target/relay.jar}, as in production), sharing one
 * PostgreSQL and a Hazelcast cluster named for this run alone, behind a real nginx. Everything the
 * processes write goes under {@code target/cluster-it/<name>-<time>/}. One cluster serves a whole test class:
 * {@code @RegisterExtension static final LocalCluster cluster = LocalCluster.perClass("name", 3, Map.of());}
 */
final class LocalCluster implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    /** Environment a node would otherwise inherit from whoever runs the build. */
    static final List<String> INHERITED_SETTINGS = List.of("PORT", "HOST", "NODE_ENV", "DATABASE_URL", "JWT_SECRET",
            "CORS_ORIGIN", "DATA_DIR", "NODE_ID", "RELAY_CONFIG", "CLUSTER", "CLUSTER_NAME", "CLUSTER_MEMBERS", "CLUSTER_HOST",
            "CLUSTER_PUBLIC_HOST", "CLUSTER_DISCOVERY", "HAZELCAST_PORT", "EVENT_BUS_PORT", "DRAIN_SECONDS", "TEST_DATABASE_URL");
    private static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(90);

    /** One node process. */
    static final class Node {
        final String id;
        final int port;
        final int hazelcastPort;
        final Path dir;
        final Path log;
        Process process;

        Node(String id, int port, int hazelcastPort, Path dir) {
            this.id = id;
            this.port = port;
            this.hazelcastPort = hazelcastPort;
            this.dir = dir;
            this.log = dir.resolve("node.log");
        }

        String log() {
            return ChildProcesses.read(log);
        }

        String tail() {
            return ChildProcesses.tail(log, 40);
        }
    }

    private final String name;
    private final int count;
    private final Map<String, String> extraEnv;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private Path dir;
    private Nginx nginx;

    private LocalCluster(String name, int count, Map<String, String> extraEnv) {
        this.name = name;
        this.count = count;
        this.extraEnv = Map.copyOf(extraEnv);
    }

    /** A cluster of {@code count} nodes with {@code extraEnv} added to their environment, started before a class's tests. */
    static LocalCluster perClass(String name, int count, Map<String, String> extraEnv) {
        return new LocalCluster(name, count, extraEnv);
    }

    /**
     * Starts the nodes (the first founds the cluster, the others join it together) and a balancer, and
     * returns once every node sees all the others and the balancer answers. Slow on a fresh machine,
     * where it first installs nginx.
     */
    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path base = Path.of(System.getProperty("relay.it.dir", "target/cluster-it"));
        dir = base.resolve(name + "-" + System.currentTimeMillis()).toAbsolutePath();
        Files.createDirectories(dir);
        try {
            startAll(count, extraEnv);
        } catch (Throwable e) {
            close();
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void startAll(int count, Map<String, String> extraEnv) throws Exception {
        Path jar = Path.of(System.getProperty("relay.jar", "target/relay.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": the cluster tests run after `package` (./mvnw verify)");
        }
        String databaseUrl = TestDatabase.freshDatabaseUrl();
        String clusterName = "relay-it-" + UUID.randomUUID().toString().substring(0, 8);
        List<Integer> hazelcastPorts = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Node node = new Node("n" + i, freePort(), freePort(), dir.resolve("n" + i));
            nodes.put(node.id, node);
            hazelcastPorts.add(node.hazelcastPort);
        }
        String members = hazelcastPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));

        List<Node> all = List.copyOf(nodes.values());
        for (int i = 0; i < all.size(); i++) {
            Node node = all.get(i);
            Files.createDirectories(node.dir);
            ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-jar", jar.toAbsolutePath().toString())
                    .directory(node.dir.toFile()) // so the jar's own conf/config.json and cluster.xml are used
                    .redirectErrorStream(true)
                    .redirectOutput(node.log.toFile());
            Map<String, String> env = builder.environment();
            env.keySet().removeAll(INHERITED_SETTINGS);
            env.put("NODE_ENV", "production");
            env.put("WARMUP_SECONDS", "0"); // test nodes start cold: the warm-up has WarmupTest
            env.put("PORT", String.valueOf(node.port));
            env.put("HOST", "127.0.0.1");
            env.put("NODE_ID", node.id);
            env.put("DATABASE_URL", databaseUrl);
            env.put("JWT_SECRET", TestConfigs.SECRET);
            env.put("CORS_ORIGIN", "*");
            env.put("DATA_DIR", node.dir.toString());
            env.put("CLUSTER", "true");
            env.put("CLUSTER_NAME", clusterName);
            env.put("CLUSTER_MEMBERS", members);
            env.put("CLUSTER_HOST", "127.0.0.1");
            env.put("HAZELCAST_PORT", String.valueOf(node.hazelcastPort));
            env.putAll(extraEnv);
            node.process = ChildProcesses.start(builder);
            if (i == 0) {
                awaitHealthy(node); // the founder first: nodes started together may form separate clusters
            }
        }
        for (Node node : all) {
            awaitHealthy(node);
        }
        for (Node node : all) {
            awaitLog(node, "Members {size:" + count + ",", NODE_START_TIMEOUT);
        }
        nginx = Nginx.start(dir.resolve("nginx"), freePort(), all.stream().map(n -> n.port).toList());
    }

    Path dir() {
        return dir;
    }

    Nginx balancer() {
        return nginx;
    }

    Node node(String id) {
        Node node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + " in " + nodes.keySet());
        }
        return node;
    }

    /** Every node's whole log, one after the other. */
    String fullLogs() {
        StringBuilder out = new StringBuilder();
        nodes.values().forEach(n -> out.append(n.log()).append('\n'));
        return out.toString();
    }

    /** Every node's log tail and the balancer's, for assertion messages. */
    String logs() {
        StringBuilder out = new StringBuilder();
        nodes.values().forEach(n -> out.append(n.tail()).append('\n'));
        if (nginx != null) {
            out.append(nginx.logs());
        }
        return out.toString();
    }

    @Override
    public void close() {
        if (nginx != null) {
            nginx.close();
        }
        nodes.values().stream().filter(n -> n.process != null).forEach(n -> ChildProcesses.kill(n.process));
    }

    /** Waits until {@code text} appears in the node's log. */
    static void awaitLog(Node node, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!node.log().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + node.id + " never logged '" + text + "'\n" + node.tail());
            }
            Thread.sleep(100);
        }
    }

    /** Waits until the node answers its health check; fails with its log's tail if it exits or does not answer in time. */
    static void awaitHealthy(Node node) throws Exception {
        long deadline = System.nanoTime() + NODE_START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!node.process.isAlive()) {
                throw new IllegalStateException("node " + node.id + " exited with " + node.process.exitValue() + "\n" + node.tail());
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + node.port + "/api/auth/health")
                        .toURL().openConnection();
                connection.setConnectTimeout(500);
                connection.setReadTimeout(2000);
                if (connection.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("node " + node.id + " did not answer in " + NODE_START_TIMEOUT + "\n" + node.tail());
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }
}
