package io.relay.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An embedded PostgreSQL of a test's own, which the test can take away and bring back on the same port
 * and data directory, as an operator's restart or a crash does to a running node. Not thread-safe: one
 * caller at a time.
 */
public final class RestartableDatabase implements AutoCloseable {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(15);

    /** How the server goes away. */
    public enum Stop {
        /** {@code pg_ctl stop -m fast}: sessions are cut with an error, then a clean shutdown. */
        FAST,
        /**
         * SIGKILL to every process of the server at once: no goodbye on any connection, no checkpoint,
         * crash recovery from the WAL on the next start (what a power cut does to the processes).
         */
        CRASH
    }

    private final Path dataDirectory;
    private final int port;
    private EmbeddedDatabase running;

    private RestartableDatabase(Path dataDirectory, EmbeddedDatabase running) {
        this.dataDirectory = dataDirectory;
        this.port = running.port();
        this.running = running;
    }

    public static RestartableDatabase start(Path dataDirectory) {
        return new RestartableDatabase(dataDirectory, EmbeddedDatabase.start(dataDirectory));
    }

    /** The relay's database; stays the same across restarts. */
    public String url() {
        return "postgresql://postgres@127.0.0.1:" + port + "/" + EmbeddedDatabase.DATABASE + "?schema=public";
    }

    public int port() {
        return port;
    }

    public boolean running() {
        return running != null;
    }

    /** Takes the server away; returns once none of its processes is left. */
    public void stop(Stop how) {
        if (running == null) {
            throw new IllegalStateException("already stopped");
        }
        if (how == Stop.CRASH) {
            killServerProcesses();
        }
        // After a crash its pg_ctl stop finds nobody (and logs so): still needed to release its lock
        // on the data directory, which a new server in this JVM would otherwise trip over.
        running.close();
        running = null;
    }

    /** Starts the server again on its old port and data directory. */
    public void start() {
        if (running != null) {
            throw new IllegalStateException("already running");
        }
        running = EmbeddedDatabase.start(dataDirectory, port);
    }

    @Override
    public void close() {
        if (running != null) {
            stop(Stop.FAST);
        }
    }

    private void killServerProcesses() {
        ProcessHandle postmaster = ProcessHandle.of(postmasterPid())
                .orElseThrow(() -> new IllegalStateException("no postmaster running on " + dataDirectory));
        List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
        all.add(0, postmaster);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : all) {
            try {
                process.onExit().get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("PostgreSQL process " + process.pid() + " did not die", e);
            }
        }
    }

    private long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDirectory.toAbsolutePath().resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
