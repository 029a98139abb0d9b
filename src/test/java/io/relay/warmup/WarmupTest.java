package io.relay.warmup;

import io.relay.RelayNode;
import io.relay.e2e.FreshRelay;
import io.relay.store.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A node warms up before it listens")
class WarmupTest {
    /** Every table that holds rows of a device. */
    private static final List<String> TABLES = List.of("devices", "sessions", "pairing_tokens", "conversations", "messages",
            "outbox", "device_events");

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().warmup(Duration.ofSeconds(2)).build()).startedInTest();

    @Test
    @DisplayName("its throwaway devices paired and relayed messages both ways through the node's own code, every round whole")
    void drivesTheRealPaths() throws Exception {
        Map<String, Double> metrics = scrape(relay.start());
        double paired = metrics.getOrDefault("relay_pairing_scans_total{outcome=\"paired\"}", 0.0);
        assertThat(paired).as("pairings by the warm-up").isPositive();
        // Each round pairs once and then relays its 20 messages each way: a round cut short shows here.
        assertThat(metrics.get("relay_messages_relayed_total{direction=\"to_web\"}")).isEqualTo(paired * Warmup.MESSAGES_PER_ROUND);
        assertThat(metrics.get("relay_messages_relayed_total{direction=\"to_phone\"}")).isEqualTo(paired * Warmup.MESSAGES_PER_ROUND);
    }

    @Test
    @DisplayName("leaves no row of its devices in any table")
    void leavesNoRows() throws Exception {
        relay.start();
        Map<String, Integer> left = rowsOfWarmupDevices(relay.databaseUrl(), Warmup.devicePrefix(relay.config().nodeId()));
        assertThat(left).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
    }

    @Test
    @DisplayName("then the node serves on its own port, and its connection gauge counts that port's connections, not the warm-up's")
    void servesAfterwards() throws Exception {
        relay.start();
        HttpClient http = relay.vertx().createHttpClient();
        try {
            HttpClientResponse response = await(http.request(HttpMethod.GET, relay.port(), "127.0.0.1", "/api/auth/generate-qr")
                    .compose(request -> request.send())
                    .compose(r -> r.body().map(body -> r)));
            assertThat(response.statusCode()).isEqualTo(200);
            // The kept-alive connection of that request is open: the gauge must see it (the warm-up's server is gone).
            assertThat(scrape(relay.node()).get("relay_http_connections")).isGreaterThanOrEqualTo(1.0);
        } finally {
            http.close();
        }
    }

    @Test
    @DisplayName("keeps its clients' per-connection lines out of the log, and the node logs them again once it listens")
    void quietInTheLog() throws Exception {
        ch.qos.logback.classic.Logger relayLogs = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.relay");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        relayLogs.addAppender(lines);
        try {
            relay.start();
            List<ILoggingEvent> logged = List.copyOf(lines.list);
            int done = IntStream.range(0, logged.size())
                    .filter(i -> logged.get(i).getFormattedMessage().startsWith("warm-up done in")).findFirst().orElseThrow();
            List<String> perConnection = logged.subList(0, done).stream()
                    .filter(e -> e.getLevel() == Level.INFO)
                    .map(ILoggingEvent::getLoggerName)
                    .filter(name -> name.startsWith("io.relay.gateway") || name.startsWith("io.relay.routing") || name.startsWith("io.relay.pairing"))
                    .toList();
            assertThat(perConnection).as("INFO lines of the warm-up's connections").isEmpty();
            assertThat(((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.relay.routing.PhoneEvents")).getEffectiveLevel())
                    .as("the routing package's level once the node listens").isEqualTo(relayLogs.getEffectiveLevel());
        } finally {
            relayLogs.detachAppender(lines);
        }
    }

    private static Map<String, Double> scrape(RelayNode node) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : node.ops().metrics().prometheus().scrape().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    private static Map<String, Integer> rowsOfWarmupDevices(String databaseUrl, String prefix) throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(databaseUrl);
        Map<String, Integer> rows = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password().isEmpty() ? null : url.password());
             Statement s = c.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet r = s.executeQuery("SELECT count(*) FROM " + table + " WHERE device_id LIKE '" + prefix + "%'")) {
                    r.next();
                    rows.put(table, r.getInt(1));
                }
            }
            // Pairing tokens name their device only once redeemed: none of the warm-up's may be left either.
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM pairing_tokens")) {
                r.next();
                rows.put("pairing_tokens (any)", r.getInt(1));
            }
        }
        return rows;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
