package io.relay.ops;

import io.relay.RelayNode;
import io.relay.e2e.FreshRelay;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.relay.ops.TestSocket.await;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Prometheus metrics at /metrics")
class MetricsTest {

    private static final String DEVICE = "metrics-phone-1";
    private static final String SMS_BODY = "secret words that must not become a label";
    private static final String ANONYMOUS_WEBSOCKETS = "relay_connections{kind=\"anonymous\",transport=\"websocket\"}";
    private static final Pattern TYPE_LINE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);

    @RegisterExtension
    final FreshRelay likeMain = FreshRelay.withDefaults()
            .onVertx(config -> Vertx.builder().with(Metrics.vertxOptions(config.nodeId())).build()).startedInTest();
    @RegisterExtension
    final FreshRelay plain = FreshRelay.withDefaults().startedInTest();

    @Test
    @DisplayName("a node on a Vert.x built like Main's serves Vert.x's HTTP, event-bus, DB pool and JVM metrics next to the relay's, which count a whole pairing and exchange")
    void withVertxMetrics() throws Exception {
        RelayNode node = likeMain.start();
        Vertx vertx = likeMain.vertx();
        WebClient http = WebClient.create(vertx);
        try {
            HttpResponse<Buffer> scrape = exchangeThenScrape(vertx, node, http);
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.getHeader("Content-Type")).startsWith("text/plain; version=0.0.4");
            String text = scrape.bodyAsString();
            Map<String, Double> samples = samples(text);

            assertThat(samples).containsEntry("relay_connections{kind=\"phone\",transport=\"websocket\"}", 1.0)
                    .containsEntry("relay_connections{kind=\"web\",transport=\"websocket\"}", 1.0)
                    .containsEntry("relay_connections_opened_total", 2.0)
                    .containsEntry("relay_events_received_total{event=\"mobile:register\"}", 1.0)
                    .containsEntry("relay_events_received_total{event=\"unknown\"}", 1.0)
                    .containsEntry("relay_events_sent_total{event=\"qr:paired\"}", 1.0)
                    .containsEntry("relay_events_sent_total{event=\"messages:sync\"}", 1.0)
                    .containsEntry("relay_phone_registers_total{credential=\"issued\"}", 1.0)
                    .containsEntry("relay_events_sent_total{event=\"send:message\"}", 1.0)
                    .containsEntry("relay_messages_relayed_total{direction=\"to_web\"}", 1.0)
                    .containsEntry("relay_messages_relayed_total{direction=\"to_phone\"}", 1.0)
                    .containsEntry("relay_relay_latency_seconds_count{event=\"mobile:messages\"}", 1.0)
                    .containsEntry("relay_relay_latency_seconds_count{event=\"web:send-message\"}", 1.0)
                    .containsEntry("relay_pairing_qr_generated_total", 1.0)
                    .containsEntry("relay_pairing_scans_total{outcome=\"paired\"}", 1.0)
                    .containsEntry("relay_pairing_scans_total{outcome=\"invalid_qr\"}", 1.0)
                    .containsEntry("relay_pairing_waits_total{outcome=\"paired\"}", 1.0)
                    .containsEntry("relay_pairing_duration_seconds_count", 1.0)
                    .containsEntry("relay_errors_total{reason=\"unknown_event\"}", 1.0)
                    .containsEntry("relay_errors_total{reason=\"invalid_qr\"}", 1.0)
                    .containsEntry("relay_node_draining", 0.0);
            assertThat(samples.keySet()).anyMatch(k -> k.startsWith("relay_relay_latency_seconds_bucket{event=\"mobile:messages\",le="));
            // Storage starts before the rest of the node: its group commit still reports in the node's one registry.
            assertThat(samples.get("relay_store_flush_writes_sum{outcome=\"committed\"}")).as("writes committed by the group commit").isGreaterThanOrEqualTo(2.0);
            assertThat(samples.get("relay_store_flush_duration_seconds_count{outcome=\"committed\"}")).as("its flushes").isPositive();
            assertThat(samples).containsKey("relay_store_flush_wait_seconds_count");
            // Vert.x's own: HTTP server, the PostgreSQL pool, JVM and process; not the event bus, whose
            // per-message meter lookups cost more than the counts are worth (the relay_events_* say it per event).
            assertThat(samples.keySet())
                    .noneMatch(k -> k.startsWith("vertx_eventbus_"))
                    .anyMatch(k -> k.startsWith("vertx_http_server_requests_total{"))
                    // The group commit's pool and the reads' pool, each under its own name.
                    .anyMatch(k -> k.startsWith("vertx_pool_in_use{") && k.contains("pool_name=\"writes\",pool_type=\"sql\""))
                    .anyMatch(k -> k.startsWith("vertx_pool_queue_pending{") && k.contains("pool_name=\"reads\",pool_type=\"sql\""))
                    .anyMatch(k -> k.startsWith("vertx_sql_processing_time_seconds_count"))
                    .anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
                    .anyMatch(k -> k.startsWith("process_cpu_usage"));
            assertPrometheusNaming(text);
            // Labels never carry who or what: no deviceId, no message text.
            assertThat(text).doesNotContain(DEVICE).doesNotContain(SMS_BODY);
        } finally {
            http.close();
        }
    }

    @Test
    @DisplayName("Vert.x's connection gauges leave out the WebSockets the relay runs itself, and do not drift as they come and go")
    void webSocketsLeaveVertxGauges() throws Exception {
        RelayNode node = likeMain.start();
        Vertx vertx = likeMain.vertx();
        WebClient http = WebClient.create(vertx);
        try {
            Map<String, Double> before = scrape(http, node);
            List<TestSocket> sockets = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sockets.add(TestSocket.connect(vertx, node.port()));
            }
            Map<String, Double> open = scrape(http, node);
            assertThat(open).containsEntry(ANONYMOUS_WEBSOCKETS, 3.0);
            assertThat(vertxConnections(open)).as("Vert.x's connection gauges with 3 WebSockets open").isEqualTo(vertxConnections(before));
            for (TestSocket socket : sockets) {
                socket.close();
            }
            // The sockets' closes reach the node shortly after: read again until the relay's gauge says they did.
            Map<String, Double> closed = Map.of();
            for (int i = 0; i < 100 && !Double.valueOf(0.0).equals(closed.get(ANONYMOUS_WEBSOCKETS)); i++) {
                Thread.sleep(100);
                closed = scrape(http, node);
            }
            assertThat(closed).containsEntry(ANONYMOUS_WEBSOCKETS, 0.0);
            assertThat(vertxConnections(closed)).as("Vert.x's connection gauges once they closed").isEqualTo(vertxConnections(before));
        } finally {
            http.close();
        }
    }

    private static Map<String, Double> scrape(WebClient http, RelayNode node) throws Exception {
        return samples(await(http.get(node.port(), "127.0.0.1", "/metrics").send()).bodyAsString());
    }

    /** Vert.x's HTTP server gauges of open connections and of WebSockets, summed over their labels. */
    private static double vertxConnections(Map<String, Double> samples) {
        return samples.entrySet().stream()
                .filter(e -> e.getKey().startsWith("vertx_http_server_active_connections") || e.getKey().startsWith("vertx_http_server_active_ws_connections"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    @Test
    @DisplayName("on a plain Vert.x (as tests inject it) the relay's metrics and the JVM's are still served")
    void withoutVertxMetrics() throws Exception {
        RelayNode node = plain.start();
        Vertx vertx = plain.vertx();
        WebClient http = WebClient.create(vertx);
        try {
            try (TestSocket phone = TestSocket.connect(vertx, node.port())) {
                phone.emit("mobile:register", new JsonObject().put("deviceId", DEVICE));
                phone.await("authenticated");
                String text = await(http.get(node.port(), "127.0.0.1", "/metrics").send()).bodyAsString();
                Map<String, Double> samples = samples(text);
                assertThat(samples).containsEntry("relay_connections{kind=\"phone\",transport=\"websocket\"}", 1.0)
                        .containsEntry("relay_events_received_total{event=\"mobile:register\"}", 1.0);
                assertThat(samples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
                        .noneMatch(k -> k.startsWith("vertx_http_server"));
                assertPrometheusNaming(text);
            }
        } finally {
            http.close();
        }
    }

    /**
     * A phone and a browser pair and exchange one SMS each way, plus a refused scan and an unknown
     * event; then /metrics, scraped while both are still connected.
     */
    private static HttpResponse<Buffer> exchangeThenScrape(Vertx vertx, RelayNode node, WebClient http) throws Exception {
        JsonObject qr = await(http.get(node.port(), "127.0.0.1", "/api/auth/generate-qr").send()).bodyAsJsonObject().getJsonObject("data");
        Future<HttpResponse<Buffer>> waiting = http.post(node.port(), "127.0.0.1", "/api/auth/wait-pairing")
                .sendJsonObject(new JsonObject().put("token", qr.getString("token")));
        try (TestSocket phone = TestSocket.connect(vertx, node.port()); TestSocket web = TestSocket.connect(vertx, node.port())) {
            phone.emit("mobile:register", new JsonObject().put("deviceId", DEVICE).put("deviceName", "Pixel"));
            phone.await("authenticated");
            phone.emit("mobile:scan-qr", new JsonObject().put("qrData", "{\"token\":\"forged\"}").put("deviceId", DEVICE));
            phone.await("error");
            phone.emit("mobile:scan-qr", new JsonObject().put("qrData", qr.getString("qrData")).put("deviceId", DEVICE));
            phone.await("qr:paired");
            String session = await(waiting).bodyAsJsonObject().getJsonObject("data").getString("sessionToken");

            web.emit("web:authenticate", new JsonObject().put("sessionToken", session));
            web.await("authenticated");
            web.emit("bogus:event", new JsonObject());
            web.await("error");
            phone.emit("mobile:messages", new JsonObject().put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject()
                    .put("id", "m1").put("conversationId", "c1").put("phoneNumber", "+100").put("body", SMS_BODY)
                    .put("timestamp", 1).put("type", "received").put("read", false))));
            web.await("messages:sync");
            web.emit("web:send-message", new JsonObject().put("phoneNumber", "+100").put("message", SMS_BODY).put("tempId", "t1"));
            phone.await("send:message");
            // The browser's send completes (and is timed) once the phone's node answered that it stored and
            // emitted it, which may come just after the phone has it; and the phone's message is stored behind, in
            // its own window, so the send's write may commit first.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            HttpResponse<Buffer> scrape;
            do {
                scrape = await(http.get(node.port(), "127.0.0.1", "/metrics").send());
            } while (!(scrape.bodyAsString().contains("relay_relay_latency_seconds_count{event=\"web:send-message\"}")
                    && samples(scrape.bodyAsString()).getOrDefault("relay_store_flush_writes_sum{outcome=\"committed\"}", 0.0) >= 2.0)
                    && System.nanoTime() < deadline);
            return scrape;
        }
    }

    /** Sample lines as "name{labels}" → value. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    /** Histograms of how many, not how long: unitless, named by what they count. */
    private static final Set<String> COUNT_HISTOGRAMS = Set.of("relay_store_flush_writes");

    /** The relay's families follow Prometheus conventions: relay_ prefix, snake case, counters end in _total, base units. */
    static void assertPrometheusNaming(String text) {
        Matcher type = TYPE_LINE.matcher(text);
        int relayFamilies = 0;
        while (type.find()) {
            String name = type.group(1);
            if (!name.startsWith("relay_")) {
                continue;
            }
            relayFamilies++;
            assertThat(name).matches("relay_[a-z0-9_]+");
            if (type.group(2).equals("counter")) {
                assertThat(name).endsWith("_total");
            }
            if (type.group(2).equals("histogram") && !COUNT_HISTOGRAMS.contains(name)) {
                assertThat(name).endsWith("_seconds");
            }
        }
        assertThat(relayFamilies).isGreaterThan(3);
    }
}
