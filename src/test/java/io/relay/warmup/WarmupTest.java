package io.relay.warmup;

import io.relay.e2e.FreshRelay;
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

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A node warms up before it listens")
class WarmupTest {
    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().warmup(Duration.ofSeconds(2)).build()).startedInTest();

    @Test
    @DisplayName("its throwaway devices paired and relayed messages both ways through the node's own code, every round whole")
    void drivesTheRealPaths() throws Exception {
        Map<String, Double> metrics = WarmupChecks.metrics(relay.start());
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
        Map<String, Integer> left = WarmupChecks.rowsLeft(relay.databaseUrl(), relay.config().nodeId());
        assertThat(left).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
        // Every QR it asked for was redeemed (so named its device) and went with it: no token at all is left.
        assertThat(WarmupChecks.pairingTokens(relay.databaseUrl())).isZero();
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
            assertThat(WarmupChecks.metrics(relay.node()).get("relay_http_connections")).isGreaterThanOrEqualTo(1.0);
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
            // Up to the node's "listening" line: the warm-up's server is undeployed by then, its last closes included.
            int listening = IntStream.range(0, logged.size())
                    .filter(i -> logged.get(i).getFormattedMessage().contains(" listening on ")).findFirst().orElseThrow();
            String node = relay.config().nodeId(); // in their node= or sid=<node>~ (other tests' nodes may still be closing)
            List<String> perConnection = logged.subList(0, listening).stream()
                    .filter(e -> e.getLevel() == Level.INFO && e.getFormattedMessage().contains(node))
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

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
