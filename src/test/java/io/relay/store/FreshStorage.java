package io.relay.store;

import io.relay.TestConfigs;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * The relay's storage on a fresh PostgreSQL database, on a Vert.x of its own, for each test:
 * {@code @RegisterExtension final FreshStorage storage = new FreshStorage();} then {@code storage.store()}.
 */
public final class FreshStorage implements BeforeEachCallback, AfterEachCallback {
    private Vertx vertx;
    private String databaseUrl;
    private Storage storage;

    public Store store() {
        return storage.store();
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    /** A plain JDBC connection to the same database, for a test's own look at the rows and plans. */
    public Connection connect() throws SQLException {
        DatabaseUrl url = DatabaseUrl.parse(databaseUrl);
        return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password().isEmpty() ? null : url.password());
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        vertx = Vertx.vertx();
        databaseUrl = TestDatabase.freshDatabaseUrl();
        storage = Storage.start(vertx, TestConfigs.forDatabase(databaseUrl)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            if (storage != null) {
                storage.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
