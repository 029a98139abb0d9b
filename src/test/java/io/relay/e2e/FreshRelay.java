package io.relay.e2e;

import io.relay.RelayNode;
import io.relay.TestConfigs;
import io.relay.config.ConfigLoader;
import io.relay.config.RelayConfig;
import io.relay.store.TestDatabase;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A relay node of its own for each test, on a fresh database, for tests that drive it only from outside
 * (the Node scripts): {@code @RegisterExtension final FreshRelay relay = FreshRelay.with(c -> c.with...)}.
 *
 * <p>With {@code -Drelay.url=http://host:port} no node is started and the tests drive that one instead:
 * to show that an attack test fails on another build (say, the jar from before a fix), started by hand
 * with the settings the test's configuration names.
 */
final class FreshRelay implements BeforeEachCallback, AfterEachCallback {
    private final Function<String, RelayConfig> configFor;
    private Vertx vertx;
    private RelayNode node;

    private FreshRelay(Function<String, RelayConfig> configFor) {
        this.configFor = configFor;
    }

    /** A node with the test defaults changed by {@code configure}. */
    static FreshRelay with(UnaryOperator<RelayConfig> configure) {
        return new FreshRelay(databaseUrl -> configure.apply(TestConfigs.forDatabase(databaseUrl)));
    }

    /**
     * A node configured as an operator who sets nothing gets it: {@code conf/config.json} and the built-in
     * defaults, with only what a test must set (database, a free port on loopback, a JWT secret).
     */
    static FreshRelay withShippedDefaults() {
        return new FreshRelay(databaseUrl -> ConfigLoader.fromEnvironment(Map.of("DATABASE_URL", databaseUrl, "PORT", "0",
                "HOST", "127.0.0.1", "JWT_SECRET", TestConfigs.SECRET, "DATA_DIR", "target/test-data")));
    }

    static FreshRelay withDefaults() {
        return with(UnaryOperator.identity());
    }

    /** The node's base URL, as the apps would be given it. */
    String url() {
        String external = System.getProperty("relay.url");
        return external != null && !external.isBlank() ? external : "http://127.0.0.1:" + node.port();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        String external = System.getProperty("relay.url");
        if (external != null && !external.isBlank()) {
            return;
        }
        vertx = Vertx.vertx();
        RelayConfig config = configFor.apply(TestDatabase.freshDatabaseUrl());
        node = RelayNode.start(vertx, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (vertx == null) {
            return;
        }
        try {
            if (node != null) {
                node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
