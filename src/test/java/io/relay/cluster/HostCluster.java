package io.relay.cluster;

import io.relay.ChildProcesses;
import io.relay.TestConfigs;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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

/**
 * A relay cluster as it runs in production, on separate hosts ({@link Hosts}): PostgreSQL on host
 * {@code pg}, nginx on host {@code lb}, and each node ({@code java -jar target/relay.jar}) on a host of
 * its own, {@code n1}..{@code nN}, configured as an operator would in Kubernetes: the node binds and
 * advertises its own address ({@code CLUSTER_HOST}, {@code CLUSTER_PUBLIC_HOST}), pinned Hazelcast and
 * event-bus ports (5701, 17001), the members listed by address ({@code CLUSTER_MEMBERS}), one database
 * and one JWT secret. The test and its client scripts stand outside, reaching nginx and the nodes over
 * the bed's switch.
 *
 * <p>With {@code linkDelayMs > 0} every node is reached by its peers only through a proxy in front of
 * it ({@code delay-proxy.js} on a second address of its host, which the node advertises as its public
 * host) that holds every byte for that long: the link between any two nodes is that slow one way, while
 * clients and the database stay near.
 */
final class HostCluster implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    static final int HTTP_PORT = 3000;
    static final int HAZELCAST_PORT = 5701;
    static final int EVENT_BUS_PORT = 17001;
    private static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(120);
    private static final List<String> INHERITED_SETTINGS = List.of("PORT", "HOST", "NODE_ENV", "DATABASE_URL", "JWT_SECRET",
            "CORS_ORIGIN", "DATA_DIR", "NODE_ID", "RELAY_CONFIG", "CLUSTER", "CLUSTER_NAME", "CLUSTER_MEMBERS", "CLUSTER_HOST",
            "CLUSTER_PUBLIC_HOST", "CLUSTER_DISCOVERY", "HAZELCAST_PORT", "EVENT_BUS_PORT", "DRAIN_SECONDS", "TEST_DATABASE_URL");

    /** One relay node on its host. */
    final class Node {
        final String id;
        final String address;
        String publicAddress;
        final Path dir;
        final Path log;
        Process process;
        Process proxy;

        Node(String id, String address, Path dir) {
            this.id = id;
            this.address = address;
            this.publicAddress = address;
            this.dir = dir;
            this.log = dir.resolve("node.log");
        }

        String url() {
            return "http://" + address + ":" + HTTP_PORT;
        }

        String log() {
            return ChildProcesses.read(log);
        }

        String tail() {
            return ChildProcesses.tail(log, 40);
        }

        boolean alive() {
            return process != null && process.isAlive();
        }
    }

    private final String name;
    private final int count;
    private final Map<String, String> extraEnv;
    private final int linkDelayMs;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final String clusterName = "relay-bed-" + UUID.randomUUID().toString().substring(0, 8);
    private Path dir;
    private Hosts hosts;
    private HostPostgres postgres;
    private Nginx nginx;

    private HostCluster(String name, int count, Map<String, String> extraEnv, int linkDelayMs) {
        this.name = name;
        this.count = count;
        this.extraEnv = Map.copyOf(extraEnv);
        this.linkDelayMs = linkDelayMs;
    }

    static HostCluster perClass(String name, int count, Map<String, String> extraEnv) {
        return new HostCluster(name, count, extraEnv, 0);
    }

    static HostCluster withSlowLinks(String name, int count, Map<String, String> extraEnv, int linkDelayMs) {
        return new HostCluster(name, count, extraEnv, linkDelayMs);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Hosts.assumeUsable();
        Path base = Path.of(System.getProperty("relay.it.dir", "target/cluster-it"));
        dir = base.resolve(name + "-" + System.currentTimeMillis()).toAbsolutePath();
        Files.createDirectories(dir);
        try {
            startAll();
        } catch (Throwable e) {
            close();
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void startAll() throws Exception {
        Path jar = Path.of(System.getProperty("relay.jar", "target/relay.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": the cluster tests run after `package` (./mvnw verify)");
        }
        hosts = Hosts.create();
        hosts.add("pg");
        hosts.add("lb");
        for (int i = 1; i <= count; i++) {
            String id = "n" + i;
            nodes.put(id, new Node(id, hosts.add(id), dir.resolve(id)));
        }
        if (linkDelayMs > 0) {
            for (Node node : nodes.values()) {
                node.publicAddress = hosts.addAlias(node.id);
                startProxy(node);
            }
        }
        postgres = HostPostgres.start(hosts, "pg", dir.resolve("pg"));
        List<Node> all = List.copyOf(nodes.values());
        for (int i = 0; i < all.size(); i++) {
            start(all.get(i).id);
            if (i == 0) {
                awaitReady(all.get(0)); // the founder first: nodes started together may form separate clusters
            }
        }
        for (Node node : all) {
            awaitReady(node);
        }
        awaitMembers(count, Duration.ofSeconds(60));
        nginx = Nginx.start(dir.resolve("nginx"), hosts.on("lb", List.of()), hosts.address("lb") + ":80",
                all.stream().map(n -> n.address + ":" + HTTP_PORT).toList());
    }

    /** Starts (or starts again) a node on its host; returns without waiting for it to be ready. */
    void start(String id) throws IOException {
        Node node = node(id);
        Path jar = Path.of(System.getProperty("relay.jar", "target/relay.jar")).toAbsolutePath();
        Files.createDirectories(node.dir);
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString());
        ProcessBuilder builder = new ProcessBuilder(hosts.on(id, java))
                .directory(node.dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(node.log.toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeAll(INHERITED_SETTINGS);
        env.put("NODE_ENV", "production");
        env.put("WARMUP_SECONDS", "0"); // test nodes start cold: the warm-up has WarmupTest
        env.put("PORT", String.valueOf(HTTP_PORT));
        env.put("HOST", "0.0.0.0");
        env.put("NODE_ID", node.id);
        env.put("DATABASE_URL", postgres.url());
        env.put("JWT_SECRET", TestConfigs.SECRET);
        env.put("CORS_ORIGIN", "*");
        env.put("DATA_DIR", node.dir.toString());
        env.put("CLUSTER", "true");
        env.put("CLUSTER_NAME", clusterName);
        env.put("CLUSTER_MEMBERS", nodes.values().stream().map(n -> n.publicAddress).collect(Collectors.joining(",")));
        env.put("CLUSTER_HOST", node.address);
        env.put("CLUSTER_PUBLIC_HOST", node.publicAddress);
        env.put("HAZELCAST_PORT", String.valueOf(HAZELCAST_PORT));
        env.put("EVENT_BUS_PORT", String.valueOf(EVENT_BUS_PORT));
        // Relaxed for a load balancer's single address and for test load; everything else as deployed.
        env.put("MAX_CONNECTIONS_PER_IP", "0");
        env.put("PAIRING_RATE_PER_MINUTE", "0");
        env.putAll(extraEnv);
        node.process = ChildProcesses.start(builder);
    }

    /** SIGKILL: no drain, no goodbye to the cluster. */
    void kill(String id) throws InterruptedException {
        Node node = node(id);
        node.process.destroyForcibly();
        node.process.waitFor(10, TimeUnit.SECONDS);
        ChildProcesses.forget(node.process);
    }

    /** SIGTERM, as Kubernetes stops a pod; waits for the exit and returns its status. */
    int terminate(String id, Duration timeout) throws InterruptedException {
        Node node = node(id);
        node.process.destroy();
        if (!node.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(id + " did not exit within " + timeout + " of SIGTERM\n" + node.tail());
        }
        ChildProcesses.forget(node.process);
        return node.process.exitValue();
    }

    /** Cuts the node's host off from the other nodes' hosts (and their proxies), not from clients, nginx or PostgreSQL. */
    void isolate(String id) throws IOException {
        List<String> peers = nodes.keySet().stream().filter(other -> !other.equals(id)).toList();
        hosts.cut(id, peers);
        for (String peer : peers) {
            hosts.cut(peer, List.of(id));
        }
    }

    /** Lifts every cut. */
    void heal() throws IOException {
        for (String host : nodes.keySet()) {
            hosts.heal(host);
        }
    }

    HostPostgres postgres() {
        return postgres;
    }

    Node node(String id) {
        Node node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id + " in " + nodes.keySet());
        }
        return node;
    }

    List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    String balancerUrl() {
        return "http://" + hosts.address("lb");
    }

    Path dir() {
        return dir;
    }

    /** Waits until the node answers /health/ready with 200. */
    void awaitReady(Node node) throws Exception {
        long deadline = System.nanoTime() + NODE_START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!node.alive()) {
                throw new IllegalStateException("node " + node.id + " exited\n" + node.tail());
            }
            if (readiness(node) != null && readiness(node).getInteger("status") == 200) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("node " + node.id + " not ready in " + NODE_START_TIMEOUT + "\n" + node.tail());
    }

    /** How many members each live node sees, by node id; a node that does not answer maps to -1. */
    Map<String, Integer> memberCounts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Node node : nodes.values()) {
            if (!node.alive()) {
                continue;
            }
            JsonObject ready = readiness(node);
            Integer members = null;
            if (ready != null && ready.getJsonArray("checks") != null) {
                for (Object check : ready.getJsonArray("checks")) {
                    JsonObject c = (JsonObject) check;
                    if ("cluster".equals(c.getString("id")) && c.getJsonObject("data") != null) {
                        members = c.getJsonObject("data").getInteger("members");
                    }
                }
            }
            out.put(node.id, members == null ? -1 : members);
        }
        return out;
    }

    /** Waits until every live node sees {@code size} members; returns how long that took. */
    long awaitMembers(int size, Duration timeout) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        Map<String, Integer> counts = memberCounts();
        while (!counts.values().stream().allMatch(n -> n == size)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the nodes never all saw " + size + " members: " + counts + "\n" + logs());
            }
            Thread.sleep(200);
            counts = memberCounts();
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    /** The node's /health/ready answer with its HTTP status under {@code status}, or null when it does not answer. */
    JsonObject readiness(Node node) {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(node.url() + "/health/ready").toURL().openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(3000);
            int status = connection.getResponseCode();
            var in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String body = in == null ? "{}" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new JsonObject(body.isBlank() ? "{}" : body).put("status", status);
        } catch (IOException | RuntimeException e) {
            return null;
        }
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

    private void startProxy(Node node) throws IOException {
        Path nodeDir = Path.of(System.getProperty("relay.node.dir", "src/test/node")).toAbsolutePath();
        List<String> command = new ArrayList<>(List.of("node", nodeDir.resolve("delay-proxy.js").toString(), String.valueOf(linkDelayMs)));
        for (int port : List.of(HAZELCAST_PORT, EVENT_BUS_PORT)) {
            command.add(node.publicAddress + ":" + port + "=" + node.address + ":" + port);
        }
        Files.createDirectories(node.dir);
        node.proxy = ChildProcesses.start(new ProcessBuilder(hosts.on(node.id, command))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(node.dir.resolve("proxy.log").toFile())));
    }

    @Override
    public void close() {
        if (nginx != null) {
            nginx.close();
        }
        for (Node node : nodes.values()) {
            ChildProcesses.kill(node.process);
            ChildProcesses.kill(node.proxy);
        }
        if (postgres != null) {
            try {
                postgres.kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (hosts != null) {
            hosts.close();
        }
    }
}
