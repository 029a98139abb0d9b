package io.relay.e2e;

import io.relay.config.RelayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.relay.e2e.RestApiE2ETest.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The browser's long-poll when nobody scans its QR, on a node whose QRs live one second. */
@ExtendWith(VertxExtension.class)
@DisplayName("Waiting for a pairing nobody completes")
class WaitPairingTimeoutE2ETest {

    private static final Duration QR_TTL = Duration.ofSeconds(1);
    private static final JsonObject PAIRING_TIMEOUT = new JsonObject().put("success", false).put("error", "Pairing timeout");

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().pairing(new RelayConfig.Pairing(QR_TTL)).build());
    private WebClient client;

    @BeforeEach
    void start() {
        Vertx vertx = relay.vertx(); // the node's own: no second Vert.x per test
        client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(relay.port()));
    }

    @AfterEach
    void stop() {
        client.close();
    }

    @Test
    @DisplayName("wait-pairing is held until the QR expires, then answers 408 {success:false, error:\"Pairing timeout\"}; asked again, it answers so at once")
    void timesOutWithTheQr(VertxTestContext ctx) {
        long started = System.nanoTime();
        client.get("/api/auth/generate-qr").send().compose(gen -> {
            JsonObject data = gen.bodyAsJsonObject().getJsonObject("data");
            ctx.verify(() -> assertThat(data.getValue("expiresIn")).isEqualTo((int) QR_TTL.toMillis()));
            JsonObject token = new JsonObject().put("token", data.getString("token"));
            return client.post("/api/auth/wait-pairing").sendJsonObject(token).compose(first -> {
                ctx.verify(() -> {
                    assertThat(json(first, 408)).isEqualTo(PAIRING_TIMEOUT);
                    assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(QR_TTL.minusMillis(300), QR_TTL.plusSeconds(4));
                });
                long again = System.nanoTime();
                return client.post("/api/auth/wait-pairing").sendJsonObject(token).map(second -> {
                    ctx.verify(() -> {
                        assertThat(json(second, 408)).isEqualTo(PAIRING_TIMEOUT);
                        assertThat(Duration.ofNanos(System.nanoTime() - again)).isLessThan(Duration.ofSeconds(2));
                    });
                    return null;
                });
            });
        }).onComplete(ctx.succeedingThenComplete());
    }
}
