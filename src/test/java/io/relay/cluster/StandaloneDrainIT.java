package io.relay.cluster;

import io.relay.ChildProcesses;
import io.relay.TestConfigs;
import io.relay.store.EmbeddedDatabase;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM to a node on its own embedded PostgreSQL (the README's first command, no {@code DATABASE_URL}; for development
 * and trials only, production refuses it) holding a phone: the database must outlive the drain, which writes to it to the end (the phone's unused numbers given back),
 * and then stop cleanly. The JVM runs its shutdown hooks together, so a database stopped by a hook of its own would
 * be gone as the drain began.
 */
@DisplayName("Draining a node that runs its own embedded PostgreSQL")
class StandaloneDrainIT {
    private static final int DRAIN_SECONDS = 10;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @DisplayName("on SIGTERM its drain still reaches the database (the phone's unused numbers given back, nothing failed), "
            + "and the database stops after storage closed, cleanly, before the process exits")
    void databaseOutlivesTheDrain(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("relay.jar", "target/relay.jar")).toAbsolutePath();
        LocalCluster.Node node = new LocalCluster.Node("standalone", LocalCluster.freePort(), 0, dir.resolve("node"));
        Files.createDirectories(node.dir);
        ProcessBuilder builder = new ProcessBuilder(LocalCluster.javaBinary(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-jar", jar.toString())
                .directory(node.dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(node.log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeAll(LocalCluster.INHERITED_SETTINGS);
        env.putAll(Map.of("NODE_ENV", "development", "WARMUP_SECONDS", "0", "PORT", String.valueOf(node.port), "HOST", "127.0.0.1",
                "NODE_ID", node.id, "JWT_SECRET", TestConfigs.SECRET, "CORS_ORIGIN", "*", "DATA_DIR", node.dir.toString(),
                "DRAIN_SECONDS", String.valueOf(DRAIN_SECONDS)));
        node.process = ChildProcesses.start(builder);
        LocalCluster.awaitHealthy(node);

        JsonObject result;
        try (NodeDriver phone = NodeDriver.start("relay-held-phone.js", dir.resolve("client.log"), "http://127.0.0.1:" + node.port)) {
            String deviceId = phone.await("held", Duration.ofSeconds(60)).getString("deviceId");
            long started = System.nanoTime();
            node.process.destroy(); // SIGTERM
            boolean exited = node.process.waitFor(DRAIN_SECONDS + 5, TimeUnit.SECONDS);
            long exitMs = LocalCluster.millisSince(started);
            String log = node.log();
            assertThat(exited).as("exited; " + node.tail()).isTrue();
            assertThat(node.process.exitValue()).as("terminated by SIGTERM, shutdown hooks done; " + node.tail()).isEqualTo(143);
            assertThat(log).as(node.tail())
                    .contains("relay node stopped")
                    .doesNotContain("drain did not finish", "closing storage after", "Stopping the embedded PostgreSQL as the JVM exits", " ERROR ")
                    .doesNotContainPattern("store [a-z-]+ failed");
            assertThat(log.indexOf("Embedded PostgreSQL stopped")).as("the database stopped after storage closed; " + node.tail())
                    .isGreaterThan(log.indexOf("storage closed in")).isGreaterThan(0);
            assertThat(node.dir.resolve("pg/postmaster.pid")).as("the database shut down, not left running").doesNotExist();
            result = phone.await("ok", Duration.ofSeconds(30));
            assertThat(result.getBoolean("ok")).as(result.encode()).isTrue();

            try (EmbeddedDatabase database = EmbeddedDatabase.start(node.dir.resolve("pg"));
                 Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + database.port() + "/" + EmbeddedDatabase.DATABASE, "postgres", null);
                 PreparedStatement query = db.prepareStatement("SELECT last_seq, seq_reserved FROM devices WHERE device_id = ?")) {
                query.setString(1, deviceId);
                try (ResultSet row = query.executeQuery()) {
                    assertThat(row.next()).as("the phone's device row").isTrue();
                    assertThat(row.getLong("last_seq")).as("its three acknowledged batches stored").isEqualTo(3);
                    assertThat(row.getLong("seq_reserved")).as("the rest of its block of numbers given back as it disconnected").isEqualTo(3);
                }
            }
            System.out.printf("STANDALONE DRAIN: exited %d ms after SIGTERM; phone let go (%s)%n", exitMs, result.getString("disconnectReason"));
        }
    }
}
