package io.relay.e2e;

import io.relay.LogCapture;
import io.relay.TestConfigs;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile requests that are refused must be refused as such: answered with the right status, counted
 * under a reason, and logged at a level and rate that say what happened, never as the node's own
 * error.
 */
@DisplayName("Refusals: answered, counted and logged as refusals")
class RefusalsE2ETest {
    private static final String APP = "https://app.example";
    private static final int BURST = 5;

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(c -> c.toBuilder().corsOrigins(List.of(APP))
            .security(s -> s.pairingRequestsPerMinute(0).eventsPerSecond(1).eventBurst(BURST).maxConnectionsPerIp(200)).build());

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    @DisplayName("a validly signed session token whose exp (or iat, nbf) is a string is refused with 401 by verify and by web:authenticate, not an internal error")
    void tokenWithStringClaims() throws Exception {
        long exp = Instant.now().plusSeconds(3600).getEpochSecond();
        for (String claims : List.of(
                "{\"sub\":\"d\",\"sid\":\"s\",\"iss\":\"relay\",\"aud\":\"relay-web\",\"exp\":\"" + exp + "\"}",
                "{\"sub\":\"d\",\"sid\":\"s\",\"iss\":\"relay\",\"aud\":\"relay-web\",\"exp\":" + exp + ",\"iat\":\"now\"}",
                "{\"sub\":\"d\",\"sid\":\"s\",\"iss\":\"relay\",\"aud\":\"relay-web\",\"exp\":" + exp + ",\"nbf\":{}}")) {
            String token = signed(claims);
            HttpResponse<String> verify = post("/api/auth/verify", new JsonObject().put("sessionToken", token).encode());
            assertThat(verify.statusCode()).as("verify of %s answered %s", claims, verify.body()).isEqualTo(401);
            assertThat(new JsonObject(verify.body()).getBoolean("success")).isFalse();

            try (RawWebSocket web = RawWebSocket.socketIo(port())) {
                web.sendText("42[\"web:authenticate\"," + new JsonObject().put("sessionToken", token).encode() + "]");
                JsonObject error = new JsonObject(web.nextText().replaceFirst("^42\\[\"error\",", "").replaceFirst("]$", ""));
                assertThat(error.getString("code")).as(error.encode()).isEqualTo("invalid_session");
            }
        }
        assertThat(metrics()).doesNotContain("relay_errors_total{reason=\"internal\"}");
    }

    @Test
    @DisplayName("events refused by the per-connection rate are counted in relay_errors_total as rate_limited")
    void rateLimitedEventsAreCounted() throws Exception {
        try (RawWebSocket ws = RawWebSocket.socketIo(port())) {
            for (int i = 0; i < 4 * BURST; i++) {
                ws.sendText("42[\"web:request-sync\"]");
            }
            boolean refused = false;
            for (int i = 0; i < 4 * BURST && !refused; i++) {
                refused = ws.nextText().contains("\"code\":\"rate_limited\"");
            }
            assertThat(refused).as("the client was told it was rate-limited").isTrue();
        }
        assertThat(metrics()).containsPattern("relay_errors_total\\{reason=\"rate_limited\"} [1-9]");
    }

    @Test
    @DisplayName("API calls from a foreign origin get 403 in the API's envelope, logged as a throttled WARN, never an ERROR")
    void foreignOriginApiCalls() throws Exception {
        int calls = 30;
        try (LogCapture logs = new LogCapture()) {
            for (int i = 0; i < calls; i++) {
                HttpResponse<String> answer = switch (i % 3) {
                    case 0 -> send(HttpRequest.newBuilder(uri("/api/auth/generate-qr")).header("Origin", "https://evil.example").GET());
                    case 1 -> send(HttpRequest.newBuilder(uri("/api/auth/verify")).header("Origin", "https://evil.example")
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
                    default -> send(HttpRequest.newBuilder(uri("/api/auth/wait-pairing")).header("Origin", "https://evil.example")
                            .header("Access-Control-Request-Method", "POST").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
                };
                assertThat(answer.statusCode()).isEqualTo(403);
                assertThat(new JsonObject(answer.body())).isEqualTo(new JsonObject().put("success", false).put("error", "Origin not allowed"));
                assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            }
            List<String> lines = logs.linesWithLevel();
            assertThat(lines).as("no ERROR for a client's request").noneMatch(line -> line.startsWith("ERROR"));
            List<String> refusals = lines.stream().filter(line -> line.contains("API origin not allowed")).toList();
            assertThat(refusals).as("logged, but not once per request").isNotEmpty().hasSizeLessThan(calls / 3)
                    .allMatch(line -> line.startsWith("WARN"));
        }
        HttpResponse<String> allowed = send(HttpRequest.newBuilder(uri("/api/auth/verify")).header("Origin", APP)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(allowed.statusCode()).as("the configured origin still passes").isEqualTo(400);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
    }

    // ---- requests and metrics ----

    private int port() {
        return URI.create(relay.url()).getPort();
    }

    private URI uri(String path) {
        return URI.create(relay.url() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private String metrics() throws Exception {
        return send(HttpRequest.newBuilder(uri("/metrics")).GET()).body();
    }

    /** An HS256 JWT with these claims, signed with the node's secret: the signature is valid, only the claims are odd. */
    private static String signed(String claims) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signedPart = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(TestConfigs.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return signedPart + "." + b64.encodeToString(mac.doFinal(signedPart.getBytes(StandardCharsets.UTF_8)));
    }
}
