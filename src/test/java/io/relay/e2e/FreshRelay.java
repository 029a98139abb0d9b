package io.relay.e2e;

import io.relay.RelayNode;
import io.relay.TestConfigs;
import io.relay.config.ConfigLoader;
import io.relay.config.RelayConfig;
import io.relay.store.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A relay node of its own, on a fresh database and a Vert.x of its own, for tests that drive a node:
 * {@code @RegisterExtension final FreshRelay relay = FreshRelay.with(c -> c.with...)}. Registered on an
 * instance field the node lives for one test; on a static field, for the whole class. With
 * {@link #startedInTest()} the test starts it itself ({@link #start}, {@link #startOn}), for settings or a
 * database that differ per test. Everything it started is closed after the test (or the class).
 *
 * <p>With {@code -Drelay.url=http://host:port} no node is started and the tests that use only {@link #url()}
 * drive that one instead: to show that an attack test fails on another build (say, the jar from before a
 * fix), started by hand with the settings the test's configuration names.
 */
public final class FreshRelay implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final Function<String, RelayConfig> configFor;
    private final Function<RelayConfig, Vertx> vertxFor;
    private final boolean startedInTest;
    private boolean perClass;
    private Vertx vertx;
    private RelayConfig config;
    private RelayNode node;
    private final List<RelayNode> others = new ArrayList<>();

    private FreshRelay(Function<String, RelayConfig> configFor, Function<RelayConfig, Vertx> vertxFor, boolean startedInTest) {
        this.configFor = configFor;
        this.vertxFor = vertxFor;
        this.startedInTest = startedInTest;
    }

    /** A node with the test defaults changed by {@code configure}. */
    public static FreshRelay with(UnaryOperator<RelayConfig> configure) {
        return new FreshRelay(databaseUrl -> configure.apply(TestConfigs.forDatabase(databaseUrl)), config -> Vertx.vertx(), false);
    }

    /**
     * A node configured as an operator who sets nothing gets it: {@code conf/config.json} and the built-in
     * defaults, with only what a test must set (database, a free port on loopback, a JWT secret), and no
     * warm-up: it changes nothing a client sees (WarmupTest) and would cost each test up to a minute.
     */
    public static FreshRelay withShippedDefaults() {
        return new FreshRelay(databaseUrl -> ConfigLoader.fromEnvironment(Map.of("DATABASE_URL", databaseUrl, "PORT", "0",
                "HOST", "127.0.0.1", "JWT_SECRET", TestConfigs.SECRET, "DATA_DIR", "target/test-data", "WARMUP_SECONDS", "0")),
                config -> Vertx.vertx(), false);
    }

    public static FreshRelay withDefaults() {
        return with(UnaryOperator.identity());
    }

    /** The same node on a Vert.x built by {@code vertxFor} (say, with metrics, as {@code Main} builds it). */
    public FreshRelay onVertx(Function<RelayConfig, Vertx> vertxFor) {
        return new FreshRelay(configFor, vertxFor, startedInTest);
    }

    /** The same node, started by the test itself rather than before it. */
    public FreshRelay startedInTest() {
        return new FreshRelay(configFor, vertxFor, true);
    }

    /** The node's base URL, as the apps would be given it. */
    public String url() {
        String external = external();
        return external != null ? external : "http://127.0.0.1:" + node.port();
    }

    public RelayNode node() {
        return node;
    }

    public int port() {
        return node.port();
    }

    /** The configuration the node was started with. */
    public RelayConfig config() {
        return config;
    }

    /** The Vert.x the node runs on, for the test's own clients. */
    public Vertx vertx() {
        return vertx;
    }

    public String databaseUrl() {
        return config.databaseUrl().orElseThrow();
    }

    /** Starts the node on a fresh database. */
    public RelayNode start() throws Exception {
        return start(UnaryOperator.identity());
    }

    /** Starts the node on a fresh database, its settings changed by {@code change}. */
    public RelayNode start(UnaryOperator<RelayConfig> change) throws Exception {
        return startOn(TestDatabase.freshDatabaseUrl(), change);
    }

    /** Starts the node on the given database. */
    public RelayNode startOn(String databaseUrl) throws Exception {
        return startOn(databaseUrl, UnaryOperator.identity());
    }

    private RelayNode startOn(String databaseUrl, UnaryOperator<RelayConfig> change) throws Exception {
        if (node != null) {
            throw new IllegalStateException("the node is running already");
        }
        config = change.apply(configFor.apply(databaseUrl));
        if (vertx == null) {
            vertx = vertxFor.apply(config);
        }
        node = await(RelayNode.start(vertx, config));
        return node;
    }

    /** Another node on the same database and Vert.x (so the same event bus), closed with this one. */
    public RelayNode another() throws Exception {
        RelayNode other = await(RelayNode.start(vertx, TestConfigs.forDatabase(databaseUrl())));
        others.add(other);
        return other;
    }

    /** Closes the node and starts a new one with the same configuration: nothing survives but what was stored. */
    public RelayNode restart() throws Exception {
        closeNode();
        node = await(RelayNode.start(vertx, config));
        return node;
    }

    /** Closes every node and the Vert.x; for a test that must take them away before its own resources. */
    public void stop() throws Exception {
        if (vertx == null) {
            return;
        }
        try {
            List<Future<Void>> closing = new ArrayList<>();
            others.forEach(other -> closing.add(other.close()));
            others.clear();
            await(Future.join(closing));
            closeNode();
        } finally {
            Vertx closing = vertx;
            vertx = null;
            await(closing.close());
        }
    }

    private void closeNode() throws Exception {
        RelayNode running = node;
        node = null;
        if (running != null) {
            running.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        perClass = true;
        startUnlessExternal();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            startUnlessExternal();
        }
    }

    private void startUnlessExternal() throws Exception {
        if (external() == null && !startedInTest) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    private static String external() {
        String external = System.getProperty("relay.url");
        return external != null && !external.isBlank() ? external : null;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
