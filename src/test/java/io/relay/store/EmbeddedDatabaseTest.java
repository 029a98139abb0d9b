package io.relay.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedDatabaseTest {

    @Test
    @DisplayName("The embedded PostgreSQL keeps its data across a restart in the same directory")
    void dataSurvivesRestart(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("pg");
        try (EmbeddedDatabase first = EmbeddedDatabase.start(data)) {
            assertThat(first.url()).startsWith("postgresql://postgres@127.0.0.1:").endsWith("/relay?schema=public");
            try (Connection c = connect(first); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (v text)");
                s.execute("INSERT INTO kept VALUES ('still here')");
            }
        }
        try (EmbeddedDatabase second = EmbeddedDatabase.start(data);
             Connection c = connect(second);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("still here");
        }
    }

    @Test
    @DisplayName("The embedded PostgreSQL makes a commit durable before it answers: WAL flushed to disk, not only written")
    void commitsDurably(@TempDir Path dir) throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.start(dir.resolve("pg"));
             Connection c = connect(db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit')")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("fsync").isEqualTo("on");
            assertThat(rs.getString(2)).as("synchronous_commit").isEqualTo("on");
        }
    }

    @Test
    @DisplayName("Closing the embedded PostgreSQL stops it once: the node's drain and the JVM's exit may both close it, the second does nothing")
    void closesOnce(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("pg");
        EmbeddedDatabase db = EmbeddedDatabase.start(data, java.time.Duration.ofSeconds(5));
        String url = db.url();
        db.close();
        assertThat(data.resolve("postmaster.pid")).as("stopped cleanly").doesNotExist();
        db.close();
        assertThatThrownBy(() -> connect(url).close()).isInstanceOf(java.sql.SQLException.class);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(RestartableDatabase.Stop.class)
    @DisplayName("The embedded PostgreSQL comes back on the same port after a stop, with everything committed before it")
    void restartsOnTheSamePort(RestartableDatabase.Stop how, @TempDir Path dir) throws Exception {
        try (RestartableDatabase db = RestartableDatabase.start(dir.resolve("pg"))) {
            try (Connection c = connect(db.url()); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (v text)");
                s.execute("INSERT INTO kept VALUES ('committed')");
            }
            db.stop(how);
            assertThatThrownBy(() -> connect(db.url()).close()).isInstanceOf(java.sql.SQLException.class);
            db.start();
            try (Connection c = connect(db.url()); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("committed");
            }
        }
    }

    private static Connection connect(EmbeddedDatabase db) throws Exception {
        return connect(db.url());
    }

    private static Connection connect(String text) throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(text);
        return DriverManager.getConnection(url.jdbcUrl(), url.user(), null);
    }
}
