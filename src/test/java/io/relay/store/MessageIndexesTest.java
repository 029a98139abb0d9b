package io.relay.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the messages table's indexes are for: every message written pays for each of them, so each must
 * serve a read, and the read must be able to use it. Checked on the plans PostgreSQL makes.
 */
class MessageIndexesTest {
    @RegisterExtension
    final FreshStorage storage = new FreshStorage();

    @Test
    @DisplayName("A sync from storage reads each thread's latest messages off the thread index, not every message of the phone per thread")
    void threadsWalkTheThreadIndex() throws Exception {
        try (Connection c = connect()) {
            fill(c);
            List<String> plan = plan(c, StoreSql.LOAD_THREADS.replace("$1", "'d1'").replace("$2", "50").replace("$3", "50"));
            // The lateral's scans: before the fix each was a scan of the device's rows filtered per thread.
            assertThat(String.join("\n", plan)).contains("messages_device_thread_ts_idx");
            assertThat(plan).noneMatch(line -> line.contains("Filter") && line.contains("IS DISTINCT FROM"));
        }
    }

    @Test
    @DisplayName("Messages carry no index that no read uses: the primary key and the thread index only")
    void noIndexWithoutAReader() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT indexname FROM pg_indexes WHERE tablename = 'messages' ORDER BY indexname")) {
            List<String> names = new ArrayList<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            assertThat(names).containsExactly("messages_device_thread_ts_idx", "messages_pkey");
        }
    }

    private Connection connect() throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(storage.databaseUrl());
        return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password().isEmpty() ? null : url.password());
    }

    /** 40 threads of 100 messages on the phone, one thread without number or conversation, and another phone. */
    private static void fill(Connection c) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("""
                    INSERT INTO messages (device_id, id, conversation_id, phone_number, ts, doc)
                    SELECT CASE WHEN g % 5 = 0 THEN 'd2' ELSE 'd1' END, 'm' || g,
                           CASE WHEN g % 41 = 0 THEN NULL ELSE 'c' || (g % 40) END,
                           CASE WHEN g % 41 = 0 THEN NULL ELSE '+1555' || (g % 40) END, 1700000000000 + g, '{}'
                    FROM generate_series(1, 5000) g""");
            s.execute("ANALYZE messages");
        }
    }

    private static List<String> plan(Connection c, String query) throws Exception {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement("EXPLAIN " + query); ResultSet rows = p.executeQuery()) {
            while (rows.next()) {
                lines.add(rows.getString(1));
            }
        }
        return lines;
    }
}
