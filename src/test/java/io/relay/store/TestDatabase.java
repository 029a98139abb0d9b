package io.relay.store;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A new, empty PostgreSQL database per call, for tests that touch storage.
 *
 * <p>The server is, in order of preference: {@code TEST_DATABASE_URL}; a Testcontainers PostgreSQL
 * when Docker is available; else one embedded PostgreSQL per test JVM (data under the system
 * property {@code relay.test.pgdir} or a temp dir, stopped by a shutdown hook). Thread-safe.
 */
public final class TestDatabase {
    private static final String IMAGE = "postgres:17-alpine";

    private static DatabaseUrl server; // guarded by TestDatabase.class
    private static int next;           // guarded by TestDatabase.class

    private TestDatabase() {
    }

    /** URL (postgresql:// form) of a database created for the caller alone. */
    public static String freshDatabaseUrl() {
        DatabaseUrl admin = server();
        try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password().isEmpty() ? null : admin.password());
             Statement s = c.createStatement()) {
            while (true) {
                String name = nextName();
                try {
                    s.execute("CREATE DATABASE " + name);
                    return admin.withDatabase(name).toUrlString();
                } catch (SQLException e) {
                    if (!"42P04".equals(e.getSQLState())) { // duplicate_database: left by an earlier run, take the next
                        throw e;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create a test database on " + admin, e);
        }
    }

    private static synchronized String nextName() {
        return "relay_test_" + (++next);
    }

    private static synchronized DatabaseUrl server() {
        if (server == null) {
            server = startServer();
        }
        return server;
    }

    private static DatabaseUrl startServer() {
        String external = System.getenv("TEST_DATABASE_URL");
        if (external != null && !external.isBlank()) {
            return DatabaseUrl.parse(external);
        }
        if (DockerClientFactory.instance().isDockerAvailable()) {
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>(IMAGE);
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-postgres-container-stop"));
            return new DatabaseUrl(container.getUsername(), container.getPassword(), container.getHost(),
                    container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT), container.getDatabaseName(), "public", "disable");
        }
        Path dir = embeddedDataDirectory();
        EmbeddedDatabase embedded = EmbeddedDatabase.start(dir);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            embedded.close();
            deleteRecursively(dir);
        }, "test-postgres-embedded-stop"));
        return DatabaseUrl.parse(embedded.url()).withDatabase("postgres");
    }

    // A new directory per JVM: a server killed with its JVM may still hold an older one.
    private static Path embeddedDataDirectory() {
        try {
            String base = System.getProperty("relay.test.pgdir");
            Path parent = base != null ? Path.of(base) : Files.createTempDirectory("relay-test-pg");
            Files.createDirectories(parent);
            removeStoppedRuns(parent);
            return parent.resolve("run-" + UUID.randomUUID().toString().substring(0, 8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: the directory lives under target/
        }
    }

    // Leftovers of earlier JVMs whose server is no longer running (the exit-time delete can race the
    // server's own shutdown, which writes pg_stat last).
    private static void removeStoppedRuns(Path parent) throws IOException {
        try (var runs = Files.list(parent)) {
            runs.filter(p -> p.getFileName().toString().startsWith("run-"))
                    .filter(p -> !Files.exists(p.resolve("postmaster.pid")))
                    .forEach(TestDatabase::deleteRecursively);
        }
    }
}
