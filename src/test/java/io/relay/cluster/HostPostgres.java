package io.relay.cluster;

import io.relay.ChildProcesses;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The distribution's PostgreSQL server running on one host of the bed, listening on that host's
 * address as a database server on its own machine does. Its data stays across {@link #stop},
 * {@link #kill} and {@link #start}, so a restart is the same database back after an outage.
 */
final class HostPostgres {
    static final int PORT = 5432;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Hosts hosts;
    private final String host;
    private final Path dir;
    private final Path bin;
    private Process process;

    private HostPostgres(Hosts hosts, String host, Path dir, Path bin) {
        this.hosts = hosts;
        this.host = host;
        this.dir = dir;
        this.bin = bin;
    }

    /** Initialises a cluster under {@code dir} (trusting the bed's subnet) and starts it on {@code host}. */
    static HostPostgres start(Hosts hosts, String host, Path dir) throws Exception {
        HostPostgres postgres = new HostPostgres(hosts, host, dir, binaries());
        Path data = dir.resolve("data");
        Files.createDirectories(dir);
        Hosts.run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        Hosts.run(postgres.asPostgres(List.of(postgres.bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--no-instructions")));
        String subnet = hosts.address(host).replaceAll("\\.\\d+$", ".0/24");
        Files.writeString(data.resolve("pg_hba.conf"), "host all all " + subnet + " trust\n", java.nio.file.StandardOpenOption.APPEND);
        postgres.start();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres"), "postgres", null);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE relay");
        }
        return postgres;
    }

    /** The relay's {@code DATABASE_URL}. */
    String url() {
        return "postgresql://postgres@" + hosts.address(host) + ":" + PORT + "/relay?schema=public";
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://" + hosts.address(host) + ":" + PORT + "/" + database;
    }

    synchronized void start() throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("postgres.log");
        // setpriv execs in place (runuser would stay as a parent), so the handle is the postmaster itself.
        process = ChildProcesses.start(new ProcessBuilder(hosts.on(host, asPostgres(List.of(bin.resolve("postgres").toString(),
                "-D", data.toString(), "-p", String.valueOf(PORT), "-c", "listen_addresses=" + hosts.address(host),
                "-c", "unix_socket_directories=" + dir, "-c", "synchronous_commit=on", "-c", "max_connections=200",
                // What a run that hangs on the database needs in its log: a wait for a lock past a second, a statement
                // past two, and who ran it (the relay names each node's connections).
                "-c", "log_lock_waits=on", "-c", "deadlock_timeout=1s", "-c", "log_min_duration_statement=2000",
                "-c", "log_line_prefix=%m [%p] %a "))))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", null)) {
                return;
            } catch (SQLException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("PostgreSQL did not start on " + host + "\n" + ChildProcesses.tail(log, 30));
                }
                Thread.sleep(200);
            }
        }
    }

    /** Fast shutdown (SIGINT): sessions are cut, committed data kept. */
    synchronized void stop() throws InterruptedException, IOException {
        if (process != null && process.isAlive()) {
            Hosts.run(List.of("kill", "-INT", String.valueOf(process.pid())));
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL to the postmaster and every backend, as a crash would. */
    synchronized void kill() throws InterruptedException {
        if (process != null) {
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            process.destroyForcibly();
            all.forEach(ProcessHandle::destroyForcibly);
            process.waitFor(30, TimeUnit.SECONDS);
            ChildProcesses.forget(process);
        }
    }

    private List<String> asPostgres(List<String> command) {
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"));
        out.addAll(command);
        return out;
    }

    /** The newest PostgreSQL under /usr/lib/postgresql, installed with apt-get when missing (as root). */
    private static Path binaries() throws Exception {
        Path found = newest();
        if (found == null) {
            Hosts.run(List.of("sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=240 install -y --no-install-recommends postgresql"
                    + " || (apt-get -o DPkg::Lock::Timeout=240 update && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=240"
                    + " install -y --no-install-recommends postgresql)"));
            found = newest();
        }
        Assumptions.assumeTrue(found != null, "the multi-host test bed needs the distribution's PostgreSQL server (apt-get install postgresql)");
        return found;
    }

    private static Path newest() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/postgres")))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", "0"))))
                    .map(v -> v.resolve("bin"))
                    .orElse(null);
        }
    }
}
