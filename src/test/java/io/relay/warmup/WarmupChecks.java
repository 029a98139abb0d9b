package io.relay.warmup;

import io.relay.RelayNode;
import io.relay.store.DatabaseUrl;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a node's warm-up left behind, for the tests of a single node and of a cluster. */
public final class WarmupChecks {
    /** Every table that holds rows of a device. */
    private static final List<String> TABLES = List.of("devices", "sessions", "pairing_tokens", "conversations", "messages",
            "outbox", "device_events");

    private WarmupChecks() {
    }

    /** The node's Prometheus samples, by name and labels. */
    public static Map<String, Double> metrics(RelayNode node) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : node.ops().metrics().prometheus().scrape().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    /** Rows of node {@code nodeId}'s warm-up devices left in each table that names a device. */
    public static Map<String, Integer> rowsLeft(String databaseUrl, String nodeId) throws Exception {
        Map<String, Integer> rows = new LinkedHashMap<>();
        for (String table : TABLES) {
            rows.put(table, count(databaseUrl, "SELECT count(*) FROM " + table + " WHERE device_id LIKE '" + Warmup.devicePrefix(nodeId) + "%'"));
        }
        return rows;
    }

    /** Pairing tokens in the database, redeemed or not (an unredeemed one names no device). */
    public static int pairingTokens(String databaseUrl) throws Exception {
        return count(databaseUrl, "SELECT count(*) FROM pairing_tokens");
    }

    private static int count(String databaseUrl, String sql) throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(databaseUrl);
        try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password().isEmpty() ? null : url.password());
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        }
    }
}
