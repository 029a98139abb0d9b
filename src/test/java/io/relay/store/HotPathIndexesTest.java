package io.relay.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the indexes of the hottest tables are for: every row written pays for each of them, so each must
 * serve a read, and the read must be able to use it. Checked on the plans PostgreSQL makes.
 */
class HotPathIndexesTest {
    @RegisterExtension
    final FreshStorage storage = new FreshStorage();

    @Test
    @DisplayName("A sync from storage reads each thread's latest messages off the thread index, not every message of the phone per thread")
    void threadsWalkTheThreadIndex() throws Exception {
        try (Connection c = storage.connect()) {
            fill(c);
            List<String> plan = plan(c, StoreSql.LOAD_THREADS.replace("$1", "'d1'").replace("$2", "50").replace("$3", "50"));
            // The lateral's scans: before the fix each was a scan of the device's rows filtered per thread.
            assertThat(String.join("\n", plan)).contains("messages_device_thread_ts_idx");
            assertThat(plan).noneMatch(line -> line.contains("Filter") && line.contains("IS DISTINCT FROM"));
        }
    }

    @Test
    @DisplayName("Messages carry no index that no read uses: the primary key (the log's order), a message's rows by id (its status, "
            + "its newer rows) and the thread index only")
    void noIndexWithoutAReader() throws Exception {
        try (Connection c = storage.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT indexname FROM pg_indexes WHERE tablename = 'messages' ORDER BY indexname")) {
            List<String> names = new ArrayList<>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            assertThat(names).containsExactly("messages_device_id_idx", "messages_device_thread_ts_idx", "messages_pkey");
        }
    }

    @Test
    @DisplayName("Every index of messages begins with the device's number, not its id: the first step of each descent, on every stored message, "
            + "compares two bigints instead of two texts")
    void messagesKeyedByDeviceNumber() throws Exception {
        try (Connection c = storage.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("""
                     SELECT i.indexrelid::regclass::text AS index, a.attname, format_type(a.atttypid, a.atttypmod) AS type
                     FROM pg_index i
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                     WHERE i.indrelid = 'messages'::regclass ORDER BY 1""")) {
            List<String> firsts = new ArrayList<>();
            while (rows.next()) {
                firsts.add(rows.getString("index") + " " + rows.getString("attname") + " " + rows.getString("type"));
            }
            assertThat(firsts).containsExactly("messages_device_id_idx device_no bigint", "messages_device_thread_ts_idx device_no bigint",
                    "messages_pkey device_no bigint");
        }
    }

    @Test
    @DisplayName("Every text an index of the relay's tables compares is compared byte by byte (collation \"C\"), whatever the database's default")
    void keysCompareAsBytes() throws Exception {
        try (Connection c = storage.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("""
                     SELECT i.indexrelid::regclass::text AS index, k.n, coll.collname
                     FROM pg_index i
                     JOIN pg_class t ON t.oid = i.indrelid
                     JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public'
                     CROSS JOIN LATERAL unnest(i.indcollation::oid[]) WITH ORDINALITY AS k (coll, n)
                     JOIN pg_collation coll ON coll.oid = k.coll
                     WHERE t.relname <> 'flyway_schema_history'
                     ORDER BY 1, 2""")) {
            Map<String, String> collations = new LinkedHashMap<>();
            while (rows.next()) {
                collations.put(rows.getString("index") + "#" + rows.getInt("n"), rows.getString("collname"));
            }
            // Under the default collation (a libc locale) each comparison is a strcoll; every stored message walks
            // the two of messages (past the device's number) and the device row's. The thread key is an expression
            // over two columns: it takes their collation.
            assertThat(collations).containsKeys("messages_device_id_idx#2", "messages_device_thread_ts_idx#2",
                    "device_events_pkey#1", "devices_pkey#1", "outbox_pkey#2", "conversations_pkey#2");
            assertThat(collations).allSatisfy((index, collation) -> assertThat(collation).as(index).isEqualTo("C"));
        }
    }

    @Test
    @DisplayName("A command is claimed and confirmed by its key on the primary key, however many commands the phone left delivered")
    void commandsByKey() throws Exception {
        try (Connection c = storage.connect()) {
            fillOutbox(c);
            String claim = StoreSql.CLAIM_COMMANDS.replace("$1", "'{d1}'").replace("$2", "'{k4001}'")
                    .replace("$3", "'{00000000-0000-0000-0000-000000000001}'").replace("$4", "'{false}'");
            String confirm = StoreSql.CONFIRM_COMMANDS.replace("$1", "'{d1}'").replace("$2", "'{k4001}'");
            for (String statement : List.of(claim, confirm)) {
                // Before V8 the planner walked the device's open commands (outbox_open_idx), filtering by key.
                assertThat(String.join("\n", plan(c, statement))).contains("using outbox_pkey");
            }
        }
    }

    @Test
    @DisplayName("A hand-over reads the phone's pending commands off their own index, not the delivered ones it leaves behind")
    void openCommandsByState() throws Exception {
        try (Connection c = storage.connect()) {
            fillOutbox(c);
            String pendingOnly = String.join("\n", plan(c, StoreSql.OPEN_COMMANDS.replace("$1", "'d1'").replace("$2", "false")));
            // Either index of pending commands will do (they hold no delivered ones); what must not be walked is
            // the primary key's or the delivered commands' range of the phone.
            assertThat(pendingOnly).containsPattern("outbox_pending(_age)?_idx").doesNotContain("outbox_pkey").doesNotContain("outbox_delivered_idx");
            String withDelivered = String.join("\n", plan(c, StoreSql.OPEN_COMMANDS.replace("$1", "'d1'").replace("$2", "true")));
            assertThat(withDelivered).containsPattern("outbox_pending(_age)?_idx");
        }
    }

    @Test
    @DisplayName("A one-hop delivery looks for the phone's pending commands off their own index, not through the delivered ones it leaves behind")
    void deliveryLooksForPendingByIndex() throws Exception {
        try (Connection c = storage.connect()) {
            fillOutbox(c);
            String deliver = StoreSql.DELIVER_COMMANDS.replace("$1", "'{d1}'").replace("$2", "'{fresh}'").replace("$3", "'{send:message}'")
                    .replace("$4", "'{\"{}\"}'").replace("$5", "'{00000000-0000-0000-0000-000000000001}'");
            String plan = String.join("\n", plan(c, deliver));
            assertThat(plan).containsPattern("outbox_pending(_age)?_idx").doesNotContain("Seq Scan on outbox");
            // The group commit's connections plan each statement once, for any arrays: that plan must use the index too.
            String generic = String.join("\n", genericPlan(c, "deliver(text[], text[], text[], text[], uuid[])", StoreSql.DELIVER_COMMANDS,
                    "'{d1}', '{fresh}', '{send:message}', '{\"{}\"}', '{00000000-0000-0000-0000-000000000001}'"));
            assertThat(generic).containsPattern("outbox_pending(_age)?_idx").doesNotContain("Seq Scan on outbox");
            // And so must the flush statement that stores them with phones' events.
            String together = String.join("\n", genericPlan(c, "together(" + SAVE_TYPES + ", text[], text[], text[], text[], uuid[])",
                    StoreSql.APPEND_MESSAGES_AND_DELIVER_COMMANDS, SAVE_ARGUMENTS
                            + ", '{d1}', '{fresh}', '{send:message}', '{\"{}\"}', '{00000000-0000-0000-0000-000000000001}'"));
            assertThat(together).containsPattern("outbox_pending(_age)?_idx").doesNotContain("Seq Scan on outbox");
        }
    }

    @Test
    @DisplayName("Forgetting a device finds its pairing tokens by their index, not by reading every token ever made")
    void forgetFindsTokensByIndex() throws Exception {
        try (Connection c = storage.connect(); Statement s = c.createStatement()) {
            filled(s, "pairing_tokens", """
                    INSERT INTO pairing_tokens (token, secret_hash, expires_at, device_id)
                    SELECT gen_random_uuid(), decode(md5(g::text), 'hex'), now(), CASE WHEN g % 2 = 0 THEN 'd' || (g % 500) END
                    FROM generate_series(1, 20000) g""");
            String plan = String.join("\n", plan(c, StoreSql.FORGET_DEVICE.replace("$1", "'d2'")));
            assertThat(plan).contains("pairing_tokens_device_idx").doesNotContain("Seq Scan on pairing_tokens");
        }
    }

    @Test
    @DisplayName("A prune of long-expired pairings finds them by their expiry, not by reading every token the table holds, whatever the cut-off")
    void pruneFindsExpiredTokensByIndex() throws Exception {
        try (Connection c = storage.connect(); Statement s = c.createStatement()) {
            // QRs of the last 28 hours, one every 5 s, of which the oldest few hours' expired more than a day ago.
            filled(s, "pairing_tokens", """
                    INSERT INTO pairing_tokens (token, secret_hash, created_at, expires_at)
                    SELECT gen_random_uuid(), decode(md5(g::text), 'hex'), now() - g * interval '5 seconds',
                           now() - g * interval '5 seconds' + interval '5 minutes'
                    FROM generate_series(1, 20000) g""");
            String prune = StoreSql.PRUNE_PAIRING_TOKENS.replace("$1", "now() - interval '1 day'").replace("$2", "5000");
            assertThat(String.join("\n", plan(c, prune))).contains("pairing_tokens_expires_idx").doesNotContain("Seq Scan on pairing_tokens");
            // The pool's prepared statement may be planned once for any cut-off: that plan must use the index too.
            assertThat(String.join("\n", genericPlan(c, "prune(timestamptz, int)", StoreSql.PRUNE_PAIRING_TOKENS,
                    "now() - interval '1 day', 5000")))
                    .contains("pairing_tokens_expires_idx").doesNotContain("Seq Scan on pairing_tokens");
        }
    }

    @Test
    @DisplayName("The group commit's statements, planned once on a new database's nearly empty tables, still find rows by key once the tables have grown")
    void groupCommitPlansOutgrowAnEmptyDatabase() throws Exception {
        try (Connection c = storage.connect(); Statement s = c.createStatement()) {
            // A node's first flushes (its warm-up, after a deploy on a new database) meet tables of a few rows, and
            // their statistics say so.
            s.execute("""
                    INSERT INTO devices (device_id) SELECT 'd' || g FROM generate_series(1, 5) g;
                    INSERT INTO messages (device_no, device_id, seq, pos, id, doc)
                    SELECT d.device_no, d.device_id, g, 0, 'm' || g, '{}' FROM devices d, generate_series(1, 5) g WHERE d.device_id = 'd1';
                    INSERT INTO outbox (device_id, key, event, payload) SELECT 'd1', 'k' || g, 'send:message', '{}' FROM generate_series(1, 5) g;
                    ANALYZE devices; ANALYZE messages; ANALYZE outbox""");
            // The group commit's session settings, as its pool opens its connections.
            DatabaseUrl url = DatabaseUrl.parse(storage.databaseUrl());
            try (PreparedStatement set = c.prepareStatement("SELECT set_config(?, ?, false)")) {
                for (var setting : PersistenceVerticle.connectOptions(url, "n1", true).getProperties().entrySet()) {
                    set.setString(1, setting.getKey());
                    set.setString(2, setting.getValue());
                    set.execute();
                }
            }
            String uuid = "'{00000000-0000-0000-0000-000000000001}'";
            // Each statement's signature and arguments; planned once, here, for any arguments.
            Map<String, String> statements = new LinkedHashMap<>();
            statements.put("save(" + SAVE_TYPES + ")", StoreSql.APPEND_MESSAGES_AND_LOG);
            statements.put("statuses(text[], text[], text[])", StoreSql.UPDATE_MESSAGE_STATUSES);
            statements.put("deliver(text[], text[], text[], text[], uuid[])", StoreSql.DELIVER_COMMANDS);
            statements.put("together(" + SAVE_TYPES + ", text[], text[], text[], text[], uuid[])", StoreSql.APPEND_MESSAGES_AND_DELIVER_COMMANDS);
            statements.put("claim(text[], text[], uuid[], boolean[])", StoreSql.CLAIM_COMMANDS);
            statements.put("confirm(text[], text[])", StoreSql.CONFIRM_COMMANDS);
            Map<String, String> arguments = Map.of(
                    "save", SAVE_ARGUMENTS,
                    "statuses", "'{e1}', '{m1}', '{sent}'",
                    "deliver", "'{e1}', '{fresh}', '{send:message}', '{\"{}\"}', " + uuid,
                    "together", SAVE_ARGUMENTS + ", '{e1}', '{fresh}', '{send:message}', '{\"{}\"}', " + uuid,
                    "claim", "'{e1}', '{k1}', " + uuid + ", '{false}'",
                    "confirm", "'{e1}', '{k1}'");
            for (var statement : statements.entrySet()) {
                genericPlan(c, statement.getKey(), statement.getValue(), arguments.get(name(statement.getKey())));
            }
            // Then the tables grow, by far more than that, before PostgreSQL analyzes them again: the plans stay.
            s.execute("""
                    INSERT INTO devices (device_id) SELECT 'e' || g FROM generate_series(1, 3000) g;
                    INSERT INTO messages (device_no, device_id, seq, pos, id, doc)
                    SELECT d.device_no, d.device_id, g, 0, 'm' || g, '{}' FROM generate_series(1, 30000) g
                    JOIN devices d ON d.device_id = 'e' || (g % 3000 + 1);
                    INSERT INTO outbox (device_id, key, event, payload, state) SELECT 'e' || (g % 3000), 'k' || g, 'send:message', '{}', 'delivered'
                    FROM generate_series(1, 30000) g""");
            List<String> plans = new ArrayList<>();
            for (String signature : statements.keySet()) {
                plans.add(String.join("\n", plan(c, execute(signature, arguments.get(name(signature))))));
            }
            // Before, the device rows' bump, the statuses, the claims and the confirms read their whole table at every
            // flush (a hash join over it, right for five rows) until an autoanalyze made PostgreSQL plan them again.
            assertThat(plans).noneMatch(plan -> plan.contains("Seq Scan on devices") || plan.contains("Seq Scan on messages")
                    || plan.contains("Seq Scan on outbox"));
        }
    }

    /** 50 phones that do not confirm, 400 commands each, delivered for good but for the last two of each. */
    private static void fillOutbox(Connection c) throws Exception {
        try (Statement s = c.createStatement()) {
            filled(s, "outbox", """
                    INSERT INTO outbox (device_id, key, event, payload, state, created_at)
                    SELECT 'd' || (g % 50), 'k' || g, 'send:message', '{}',
                           CASE WHEN g > 19900 THEN 'pending' ELSE 'delivered' END, now() - (20000 - g) * interval '1 second'
                    FROM generate_series(1, 20000) g""");
        }
    }

    /** Fills {@code table} and refreshes its statistics, so plans are the ones a table that size gets. */
    private static void filled(Statement s, String table, String insert) throws Exception {
        s.execute(insert);
        s.execute("ANALYZE " + table);
    }


    /** 40 threads of 100 messages on the phone, one thread without number or conversation, and another phone. */
    private static void fill(Connection c) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO devices (device_id) VALUES ('d1'), ('d2')");
            s.execute("""
                    INSERT INTO messages (device_no, device_id, seq, pos, id, conversation_id, phone_number, ts, doc)
                    SELECT d.device_no, d.device_id, g, 0, 'm' || g,
                           CASE WHEN g % 41 = 0 THEN NULL ELSE 'c' || (g % 40) END,
                           CASE WHEN g % 41 = 0 THEN NULL ELSE '+1555' || (g % 40) END, 1700000000000 + g, '{}'
                    FROM generate_series(1, 5000) g
                    JOIN devices d ON d.device_id = CASE WHEN g % 5 = 0 THEN 'd2' ELSE 'd1' END""");
            s.execute("ANALYZE messages");
        }
    }

    /**
     * The plan PostgreSQL makes once for any arguments ({@code plan_cache_mode=force_generic_plan}, as on the group
     * commit's connections and for a pool's prepared statement that runs often), shown for {@code arguments}.
     */
    /** The parameter types of the flush statement of phones' events, and arguments for them. */
    private static final String SAVE_TYPES = "text[], text[], text[], bigint[], bigint[], text[], bigint[], bigint[], int[], text[], text[], "
            + "text[], bigint[], text[], text[], boolean[], text[]";
    private static final String SAVE_ARGUMENTS = "'{e1}', '{mobile:messages}', '{NULL}', '{1}', '{1}', "
            + "'{e1}', '{1}', '{1}', '{0}', '{m1}', '{c1}', '{+1555}', '{1}', '{inbox}', '{NULL}', '{false}', '{\"{}\"}'";

    private static List<String> genericPlan(Connection c, String signature, String statement, String arguments) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("SET plan_cache_mode = force_generic_plan");
            s.execute("PREPARE " + signature + " AS " + statement);
        }
        return plan(c, execute(signature, arguments));
    }

    private static String name(String signature) {
        return signature.substring(0, signature.indexOf('('));
    }

    private static String execute(String signature, String arguments) {
        return "EXECUTE " + name(signature) + "(" + arguments + ")";
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
