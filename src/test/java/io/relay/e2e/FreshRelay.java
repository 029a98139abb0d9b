package io.relay.e2e;

import io.relay.RelayNode;
import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.relay.store.TestDatabase;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A relay node of its own for each test, on a fresh database, for tests that drive it only from outside
 * (the Node scripts): {@code @RegisterExtension final FreshRelay relay = FreshRelay.with(c -> c.with...)}.
 */
final class FreshRelay implements BeforeEachCallback, AfterEachCallback {
    private final UnaryOperator<RelayConfig> configure;
    private Vertx vertx;
    private RelayNode node;

    private FreshRelay(UnaryOperator<RelayConfig> configure) {
        this.configure = configure;
    }

    /** A node with the test defaults changed by {@code configure}. */
    static FreshRelay with(UnaryOperator<RelayConfig> configure) {
        return new FreshRelay(configure);
    }

    static FreshRelay withDefaults() {
        return with(UnaryOperator.identity());
    }

    /** The node's base URL, as the apps would be given it. */
    String url() {
        return "http://127.0.0.1:" + node.port();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        vertx = Vertx.vertx();
        RelayConfig config = configure.apply(TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl()));
        node = RelayNode.start(vertx, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            if (node != null) {
                node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
