package io.relay.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for the zero-set-up run (no {@code DATABASE_URL}): started from the
 * bundled binaries, keeping its data in a directory that survives restarts, on a free local port.
 *
 * <p>Everything here blocks (process start, JDBC): call it from {@code executeBlocking}.
 * The binaries are unpacked once under {@code java.io.tmpdir} (the library's default, shared by
 * every process of the machine). When run as root the library drops privileges itself.
 *
 * <p>It stops when the JVM exits, but not by the library's own shutdown hook: the JVM runs its hooks at once and
 * together, so that hook stopped the server as the node's drain began, and the drain's writes, and the phones'
 * sequences given back, failed against a server going away (each SIGTERM cost the drain about 10 s and its
 * writes). Our hook waits for whoever started it to close it ({@link #start(Path, Duration)}: the node's
 * storage, last step of its drain) and stops the server itself only past that wait.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

    /** The database the relay uses inside the embedded server. */
    public static final String DATABASE = "relay";
    private static final String SUPERUSER = "postgres";
    private static final int ORPHAN_STOP_WAIT_SECONDS = 30;

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread atExit;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory, Duration closedBy) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.atExit = new Thread(() -> stopAtExit(closedBy), "relay-embedded-postgres-exit");
        Runtime.getRuntime().addShutdownHook(atExit);
    }

    /**
     * Starts (initialising on first use) a server whose data lives in {@code dataDirectory}, and makes
     * sure the {@value #DATABASE} database exists. Existing data is never cleaned. It stops as the JVM exits.
     */
    public static EmbeddedDatabase start(Path dataDirectory) {
        return start(dataDirectory, Duration.ZERO);
    }

    /**
     * As {@link #start(Path)}, for a node that closes it as the last step of its drain: as the JVM exits, the server
     * waits up to {@code closedBy} (the drain's bound) for that close before it stops of its own accord.
     */
    public static EmbeddedDatabase start(Path dataDirectory, Duration closedBy) {
        try {
            return start(dataDirectory, freePort(), closedBy);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free port for the embedded PostgreSQL", e);
        }
    }

    /**
     * As {@link #start(Path)}, on a given port: a server stopped and started again on its old port and
     * directory is, to a connected pool, the same database back after an outage.
     */
    public static EmbeddedDatabase start(Path dataDirectory, int port) {
        return start(dataDirectory, port, Duration.ZERO);
    }

    private static EmbeddedDatabase start(Path dataDirectory, int port, Duration closedBy) {
        Path dir = dataDirectory.toAbsolutePath();
        long started = System.nanoTime();
        try {
            Files.createDirectories(dir);
            stopOrphanedServer(dir);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    // The relay acknowledges a message only once stored: keep commits durable. The library
                    // starts the server with -F (no fsync: a commit would survive the relay's crash but not
                    // the machine's); these settings follow it on the command line, and the last one wins.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setRegisterShutdownHook(false) // ours waits for the drain (see the class comment)
                    .start();
            EmbeddedDatabase database = new EmbeddedDatabase(postgres, dir, closedBy);
            database.createDatabaseIfMissing();
            LOG.info("Embedded PostgreSQL started in {} ms: data directory {}, port {}",
                    (System.nanoTime() - started) / 1_000_000, dir, postgres.getPort());
            return database;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dir, e);
        }
    }

    /** Connection URL of the {@value #DATABASE} database, in the seed's {@code postgresql://} form. */
    public String url() {
        return "postgresql://" + SUPERUSER + "@127.0.0.1:" + port() + "/" + DATABASE + "?schema=public";
    }

    /** Connection URL of another database on the same server (tests create their own). */
    public String url(String database) {
        return "postgresql://" + SUPERUSER + "@127.0.0.1:" + port() + "/" + database + "?schema=public";
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Stops the server (fast shutdown: sessions are cut, committed data is kept); a second call does nothing. */
    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        try {
            postgres.close();
            LOG.info("Embedded PostgreSQL stopped (data directory {})", dataDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop the embedded PostgreSQL", e);
        } finally {
            stopped.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(atExit);
        } catch (IllegalStateException exiting) {
            // the JVM is exiting: the hook runs, finds the server stopped and returns
        }
    }

    private void stopAtExit(Duration closedBy) {
        try {
            if (!stopped.await(closedBy.toMillis(), TimeUnit.MILLISECONDS) && !closedBy.isZero()) {
                LOG.warn("Stopping the embedded PostgreSQL as the JVM exits: its node did not close it within {} s", closedBy.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    private void createDatabaseIfMissing() {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, DATABASE);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("CREATE DATABASE " + DATABASE);
            }
            LOG.info("Created database {} in the embedded PostgreSQL", DATABASE);
        } catch (SQLException e) {
            close();
            throw new IllegalStateException("Could not create the database " + DATABASE + " in the embedded PostgreSQL", e);
        }
    }

    /**
     * A node killed without running its shutdown hooks (kill -9, a crashed IDE run) leaves its
     * postmaster running on the data directory, and a new one could never start there. Stop it,
     * but only if the PID in postmaster.pid really is a postgres serving this directory.
     */
    private static void stopOrphanedServer(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (RuntimeException e) {
            return; // unreadable: leave it to PostgreSQL, which checks the file itself
        }
        ProcessHandle orphan = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElse(null);
        if (orphan == null || !servesDirectory(orphan, dir)) {
            return; // stale file: PostgreSQL removes it on start
        }
        LOG.warn("Stopping an embedded PostgreSQL left running on {} (pid {}) by an earlier process", dir, pid);
        orphan.destroy(); // SIGTERM: a clean shutdown, committed data kept
        try {
            orphan.onExit().get(ORPHAN_STOP_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("An earlier PostgreSQL (pid " + pid + ") still runs on " + dir + "; stop it and retry", e);
        }
    }

    private static boolean servesDirectory(ProcessHandle process, Path dir) {
        ProcessHandle.Info info = process.info();
        boolean isPostgres = info.command().map(c -> c.endsWith("/postgres")).orElse(false);
        boolean sameDir = info.arguments().map(args -> java.util.Arrays.asList(args).contains(dir.toString())).orElse(false);
        return isPostgres && sameDir;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
