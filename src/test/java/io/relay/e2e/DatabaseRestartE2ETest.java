package io.relay.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.relay.RelayNode;
import io.relay.store.DatabaseUrl;
import io.relay.store.RestartableDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's own PostgreSQL is stopped and started again under it while {@code relay-db-restart.js}
 * streams through it; the script drives the outages through a small control endpoint of this test,
 * and this test then checks the database itself holds everything that was acknowledged.
 */
@DisplayName("A PostgreSQL restart mid-stream")
class DatabaseRestartE2ETest {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseRestartE2ETest.class);

    private RestartableDatabase database;
    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults().startedInTest();
    private RelayNode node;
    private HttpServer control;
    private ExecutorService controlThread;
    private Connection lockHolder;

    @BeforeEach
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void start(@TempDir Path dir) throws Exception {
        database = RestartableDatabase.start(dir.resolve("pg"));
        control = controlEndpoint(database);
        node = relay.startOn(database.url());
    }

    @AfterEach
    void stop() throws Exception {
        control.stop(0);
        controlThread.shutdownNow();
        try {
            relay.stop(); // before its database goes
        } catch (Exception e) {
            LOG.warn("closing the node failed", e); // as before: how the node closes is not this test's question
        } finally {
            database.close();
        }
    }

    @Test
    @DisplayName("loses nothing acknowledged across a fast shutdown and a crash, answers every ack in bounded time with a retryable error while down, and recovers by itself")
    void survivesDatabaseRestarts() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-db-restart.js", Duration.ofSeconds(120),
                "http://127.0.0.1:" + node.port(), "http://127.0.0.1:" + control.getAddress().getPort());
        LOG.info("database restart run: sent phone={} web={}, failed acks phone={} web={}, retried={}, max ack {} ms "
                        + "(max failing ack {} ms), outages {}",
                result.getInteger("phoneSent"), result.getInteger("webSent"), result.getInteger("failedPhone"),
                result.getInteger("failedWeb"), result.getInteger("retried"), result.getLong("maxAckMs"),
                result.getLong("maxFailedAckMs"), result.getJsonArray("outages").encode());

        String deviceId = result.getString("deviceId");
        try (Connection c = connect()) {
            assertThat(strings(c, "SELECT DISTINCT id FROM messages WHERE device_id = ?", deviceId))
                    .as("messages stored: exactly those acknowledged")
                    .containsExactlyInAnyOrderElementsOf(strings(result.getJsonArray("messageIds")));
            assertThat(outbox(c, deviceId))
                    .as("outbox: every acknowledged send, each handed to the phone")
                    .containsOnlyKeys(strings(result.getJsonArray("tempIds")))
                    .allSatisfy((key, state) -> assertThat(state).isEqualTo("delivered"));
            long lastSeq = result.getLong("lastSeq");
            // Relayed first: an event refused during an outage had its number already, and is never stored.
            List<Long> logged = longs(c, "SELECT seq FROM (" + EVENT_LOG + ") log ORDER BY seq", deviceId);
            assertThat(logged).as("the event log: each number once, up to the last")
                    .doesNotHaveDuplicates().endsWith(lastSeq);
            List<String> loggedIds = strings(c, "SELECT first_id FROM (" + EVENT_LOG + ") log ORDER BY seq", deviceId);
            assertThat(loggedIds).as("the event log: every acknowledged message, and nothing else")
                    .containsOnlyElementsOf(strings(result.getJsonArray("messageIds")))
                    .containsAll(strings(result.getJsonArray("messageIds")));
            // A flush can commit and still fail in the relay's hands (the database went away after its commit,
            // before its answer): the phone was told to retry and its retry was logged again under a new number,
            // which the web app de-duplicates by id (docs/protocol.md). Only such a message may be there twice.
            Map<String, Long> timesLogged = loggedIds.stream()
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            List<String> loggedTwice = timesLogged.entrySet().stream()
                    .filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            LOG.info("messages logged more than once (a failed ack whose write had committed): {}", loggedTwice);
            assertThat(loggedTwice).as("messages logged more than once: only re-sends after a failed ack")
                    .isSubsetOf(strings(result.getJsonArray("failedMessageIds")));
        }
    }

    @Test
    @DisplayName("hands a send to the phone once when the record of its hand-over timed out but committed later, after the phone came back")
    void handsOverAfterALateCommit() throws Exception {
        NodeScript.assertPasses("relay-outbox-late-commit.js", Duration.ofSeconds(90),
                "http://127.0.0.1:" + node.port(), "http://127.0.0.1:" + control.getAddress().getPort());
    }

    @Test
    @DisplayName("hands a stored send to the phone once storage is back, by itself, when recording its hand-over failed, and never twice")
    void retriesAFailedHandOverOnce() throws Exception {
        NodeScript.assertPasses("relay-outbox-handover.js", Duration.ofSeconds(60),
                "http://127.0.0.1:" + node.port(), "http://127.0.0.1:" + control.getAddress().getPort());
    }

    /**
     * {@code POST /stop?how=fast|crash} and {@code POST /start}; {@code POST /refuse-handover?key=} and
     * {@code /accept-handover}, which make the database fail (and then stop failing) the one statement that
     * records a command as handed to the phone (the insert of a one-hop delivery or the claim of a queued
     * command): a trigger raising a connection error, as if the database
     * went away right then, which no timing of a real stop could hit reliably. Answered on a thread of
     * their own (they block).
     */
    private HttpServer controlEndpoint(RestartableDatabase db) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        controlThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "db-restart-control"));
        server.setExecutor(controlThread);
        server.createContext("/stop", exchange -> answer(exchange, () -> {
            String query = exchange.getRequestURI().getQuery();
            String how = query == null ? "fast" : query.replace("how=", "");
            db.stop(RestartableDatabase.Stop.valueOf(how.toUpperCase(Locale.ROOT)));
        }));
        server.createContext("/start", exchange -> answer(exchange, db::start));
        server.createContext("/refuse-handover", exchange -> answer(exchange, () -> execute("""
                CREATE OR REPLACE FUNCTION refuse_handover() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.key = TG_ARGV[0] AND NEW.state = 'delivered' THEN
                    RAISE EXCEPTION 'hand-over refused by the test' USING ERRCODE = '08006';
                  END IF;
                  RETURN NEW;
                END $$;
                DROP TRIGGER IF EXISTS refuse_handover ON outbox;
                CREATE TRIGGER refuse_handover BEFORE INSERT OR UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_handover('%s');
                """.formatted(exchange.getRequestURI().getQuery().replace("key=", "").replace("'", "")))));
        server.createContext("/accept-handover", exchange -> answer(exchange, () -> execute("DROP TRIGGER refuse_handover ON outbox")));
        server.createContext("/hold-handover", exchange -> answer(exchange, () -> holdHandover(
                exchange.getRequestURI().getQuery().replace("key=", "").replace("'", ""))));
        server.createContext("/release-handover", exchange -> answer(exchange, this::releaseHandover));
        server.start();
        return server;
    }

    private static void answer(HttpExchange exchange, Runnable action) throws IOException {
        long started = System.nanoTime();
        int status = 200;
        JsonObject body = new JsonObject();
        try {
            action.run();
            body.put("tookMs", (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            status = 500;
            body.put("error", e.toString());
        }
        LOG.info("control {} answered {} {}", exchange.getRequestURI(), status, body.encode());
        byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /**
     * Makes the statement that records that command as handed over (inserted so, or claimed) wait, uncommitted, until
     * {@link #releaseHandover}: a trigger takes an advisory lock that a connection of this test holds. The
     * relay's request times out meanwhile, and the record commits after all once released, as with a
     * database that hung and came back.
     */
    private void holdHandover(String key) {
        try {
            lockHolder = connect();
            try (java.sql.Statement s = lockHolder.createStatement()) {
                s.execute("SELECT pg_advisory_lock(4242)");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        execute("""
                CREATE OR REPLACE FUNCTION hold_handover() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.key = TG_ARGV[0] AND NEW.state = 'delivered' THEN
                    PERFORM pg_advisory_xact_lock(4242);
                  END IF;
                  RETURN NEW;
                END $$;
                DROP TRIGGER IF EXISTS hold_handover ON outbox;
                CREATE TRIGGER hold_handover BEFORE INSERT OR UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION hold_handover('%s');
                """.formatted(key));
    }

    private void releaseHandover() {
        try (Connection holder = lockHolder) {
            try (java.sql.Statement s = holder.createStatement()) {
                s.execute("SELECT pg_advisory_unlock(4242)");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        execute("DROP TRIGGER hold_handover ON outbox");
    }

    private void execute(String sql) {
        try (Connection c = connect(); java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private Connection connect() throws SQLException {
        DatabaseUrl url = DatabaseUrl.parse(database.url());
        return DriverManager.getConnection(url.jdbcUrl(), url.user(), null);
    }

    /**
     * A device's log, each event's number and its first message's id: the rows of device_events and, for an event
     * that is exactly its messages, its message rows (V13).
     */
    private static final String EVENT_LOG = """
            WITH d AS (SELECT ?::text AS device_id)
            SELECT e.seq, e.payload->'messages'->0->>'id' AS first_id FROM device_events e JOIN d USING (device_id)
            UNION ALL
            SELECT m.seq, m.id FROM messages m JOIN d USING (device_id) WHERE m.seq > 0 AND m.pos = 0""";

    private static List<String> strings(Connection c, String sql, String deviceId) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, deviceId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
        }
        return values;
    }

    private static List<Long> longs(Connection c, String sql, String deviceId) throws SQLException {
        return strings(c, sql, deviceId).stream().map(Long::valueOf).toList();
    }

    private static Map<String, String> outbox(Connection c, String deviceId) throws SQLException {
        Map<String, String> states = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT key, state FROM outbox WHERE device_id = ?")) {
            s.setString(1, deviceId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    states.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return states;
    }

    private static List<String> strings(JsonArray array) {
        return array.stream().map(String.class::cast).toList();
    }
}
