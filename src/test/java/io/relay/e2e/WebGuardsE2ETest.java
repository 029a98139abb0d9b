package io.relay.e2e;

import io.relay.RelayNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The front door: Origin check on the Socket.IO handshake, per-IP rate on the pairing calls, the
 * per-connection event rate and the cap on connections per IP, against a node with small limits.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Web hardening")
class WebGuardsE2ETest {

    private static final String APP = "https://app.example";
    private static final String WS_PATH = "/socket.io/?EIO=4&transport=websocket";
    private static final int PAIRING_PER_MINUTE = 3;
    private static final int BURST = 10;
    private static final int MAX_CONNECTIONS = 4;

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(base -> base.toBuilder().corsOrigins(List.of(APP))
            .security(s -> s.pairingRequestsPerMinute(PAIRING_PER_MINUTE).eventsPerSecond(2).eventBurst(BURST)
                    .maxConnectionsPerIp(MAX_CONNECTIONS))
            .build());
    private RelayNode node;
    private WebClient http;
    private WebSocketClient ws;

    @BeforeEach
    void start() {
        Vertx vertx = relay.vertx(); // the node's own: no second Vert.x per test
        node = relay.node();
        http = WebClient.create(vertx);
        ws = vertx.createWebSocketClient();
    }

    @AfterEach
    void stop() {
        http.close();
        ws.close();
    }

    @Test
    @DisplayName("a foreign Origin gets 403 on the WebSocket upgrade and on polling; the configured origin and no Origin (native apps) connect")
    void origin() throws Exception {
        assertThatThrownBy(() -> open("https://evil.example"))
                .hasCauseInstanceOf(UpgradeRejectedException.class)
                .satisfies(e -> assertThat(((UpgradeRejectedException) e.getCause()).getStatus()).isEqualTo(403));
        HttpResponse<Buffer> polling = await(http.get(node.port(), "127.0.0.1", "/socket.io/?EIO=4&transport=polling")
                .putHeader("Origin", "https://evil.example").send());
        assertThat(polling.statusCode()).isEqualTo(403);
        assertThat(polling.bodyAsJsonObject()).isEqualTo(new JsonObject().put("code", 4).put("message", "Origin not allowed"));
        HttpResponse<Buffer> allowed = await(http.get(node.port(), "127.0.0.1", "/socket.io/?EIO=4&transport=polling")
                .putHeader("Origin", APP).send());
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.bodyAsString()).startsWith("0{\"sid\":");
        open(APP).close();
        open(null).close();
    }

    @Test
    @DisplayName("generate-qr and wait-pairing share a per-IP allowance; beyond it 429 {success:false, error}")
    void pairingRate() throws Exception {
        for (int i = 0; i < PAIRING_PER_MINUTE; i++) {
            assertThat(await(http.get(node.port(), "127.0.0.1", "/api/auth/generate-qr").send()).statusCode()).isEqualTo(200);
        }
        HttpResponse<Buffer> limited = await(http.get(node.port(), "127.0.0.1", "/api/auth/generate-qr").send());
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.bodyAsJsonObject().getBoolean("success")).isFalse();
        assertThat(limited.bodyAsJsonObject().getString("error")).isNotBlank();
        HttpResponse<Buffer> waiting = await(http.request(HttpMethod.POST, node.port(), "127.0.0.1", "/api/auth/wait-pairing")
                .sendJsonObject(new JsonObject().put("token", "00000000-0000-0000-0000-000000000000")));
        assertThat(waiting.statusCode()).isEqualTo(429);
        assertThat(await(http.get(node.port(), "127.0.0.1", "/api/auth/health").send()).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("events beyond a connection's burst get error \"Rate limit exceeded\" and a failing ack; the connection stays and recovers")
    void eventRate() throws Exception {
        Raw socket = new Raw(ws.webSocket()); // handlers before connecting, so the open packet cannot slip past
        await(socket.ws.connect(connectOptions(null)));
        socket.join();
        for (int i = 0; i < BURST * 3; i++) {
            socket.ws.writeTextMessage("42" + i + "[\"message:sent\",{}]");
        }
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < BURST * 3 + (BURST * 2); i++) {
            String next = socket.texts.poll(2, TimeUnit.SECONDS);
            if (next == null) {
                break;
            }
            answers.add(next);
        }
        assertThat(answers).filteredOn(a -> a.startsWith("43")).hasSize(BURST * 3);
        assertThat(answers).filteredOn(a -> a.startsWith("43") && a.contains("\"success\":true")).hasSizeBetween(BURST, BURST + 2);
        assertThat(answers).filteredOn(a -> a.startsWith("43") && a.contains("Rate limit exceeded")).hasSizeGreaterThanOrEqualTo(BURST * 2 - 2);
        assertThat(answers).contains("42[\"error\",{\"message\":\"Rate limit exceeded\",\"code\":\"rate_limited\",\"retryable\":true}]");
        assertThat(node.switchboard().rateLimitedEvents()).isGreaterThanOrEqualTo(BURST * 2 - 2);
        Thread.sleep(1000); // two more tokens
        socket.ws.writeTextMessage("42[\"mobile:register\",{\"deviceId\":\"rate-limited-phone\"}]");
        assertThat(socket.next()).startsWith("42[\"authenticated\",{\"success\":true");
    }

    @Test
    @DisplayName("a new connection beyond the per-IP cap gets 429; once one closes, the next is accepted")
    void connectionCap() throws Exception {
        List<WebSocket> held = new ArrayList<>();
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            held.add(open(null));
        }
        assertThatThrownBy(() -> open(null))
                .hasCauseInstanceOf(UpgradeRejectedException.class)
                .satisfies(e -> assertThat(((UpgradeRejectedException) e.getCause()).getStatus()).isEqualTo(429));
        await(held.remove(0).close());
        held.add(openWithin(3000)); // once the server has seen the close
        for (WebSocket w : held) {
            await(w.close());
        }
    }

    @Test
    @DisplayName("a connection counts toward the cap as soon as its upgrade is answered, so a client that waits for each upgrade never gets one past it")
    void capCountsFromTheUpgrade() throws Exception {
        // The server answers 101 before its own upgrade callback runs; a socket counted only there let about
        // one fifth connection in 130 through (found by the connectionCap test in CI). A thousand rounds find it.
        List<WebSocket> held = new ArrayList<>();
        for (int i = 0; i < MAX_CONNECTIONS - 1; i++) {
            held.add(open(null));
        }
        int pastTheCap = 0;
        for (int round = 0; round < 1000; round++) {
            WebSocket last = openWithin(3000);
            try {
                await(open(null).close());
                pastTheCap++;
            } catch (java.util.concurrent.ExecutionException refused) {
                assertThat(refused).hasCauseInstanceOf(UpgradeRejectedException.class);
            }
            await(last.close());
        }
        assertThat(pastTheCap).as("connections accepted beyond the cap of " + MAX_CONNECTIONS).isZero();
        for (WebSocket w : held) {
            await(w.close());
        }
    }

    private WebSocket open(String origin) throws Exception {
        return await(ws.connect(connectOptions(origin)));
    }

    /** Vert.x's client sends an Origin of its own unless told not to; native apps send none. */
    private WebSocketConnectOptions connectOptions(String origin) {
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port()).setURI(WS_PATH);
        if (origin != null) {
            options.addHeader("Origin", origin);
        } else {
            options.setAllowOriginHeader(false);
        }
        return options;
    }

    private WebSocket openWithin(long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            try {
                return open(null);
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A websocket that joined the default namespace; text messages other than pings are queued. */
    private static final class Raw {
        final ClientWebSocket ws;
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();

        /** Called on the event loop as the socket opens, so the open packet cannot slip by. */
        Raw(ClientWebSocket ws) {
            this.ws = ws;
            ws.textMessageHandler(text -> {
                if ("2".equals(text)) {
                    ws.writeTextMessage("3");
                } else {
                    texts.add(text);
                }
            });
        }

        Raw join() throws InterruptedException {
            assertThat(next()).startsWith("0{\"sid\":");
            ws.writeTextMessage("40");
            assertThat(next()).startsWith("40{\"sid\":");
            return this;
        }

        String next() throws InterruptedException {
            String text = texts.poll(20, TimeUnit.SECONDS);
            assertThat(text).as("a message within 20 s").isNotNull();
            return text;
        }
    }
}
