package io.relay.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Connections that never identify are closed; identified ones are not: {@code relay-idle.js} with a one-second timeout. */
@DisplayName("The identify timeout")
class IdentifyTimeoutE2ETest {
    private static final Duration IDENTIFY_TIMEOUT = Duration.ofSeconds(1);

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().security(s -> s.identifyTimeout(IDENTIFY_TIMEOUT)).build());

    @Test
    @DisplayName("a socket silent past the timeout is told why and its transport closed (the client reconnects by itself); quiet phones and browsers stay")
    void closesOnlyUnidentifiedSockets() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-idle.js", Duration.ofSeconds(60), relay.url(),
                String.valueOf(IDENTIFY_TIMEOUT.toMillis()));

        JsonArray strangers = result.getJsonArray("strangers");
        assertThat(strangers).hasSize(2);
        for (Object entry : strangers) {
            JsonObject stranger = (JsonObject) entry;
            assertThat(stranger.getString("reason")).as(stranger.encode()).isEqualTo("transport close");
            assertThat(stranger.getLong("closedAfterMs")).as(stranger.encode())
                    .isGreaterThanOrEqualTo(IDENTIFY_TIMEOUT.toMillis() - 100) // timers may fire a hair early
                    .isLessThan(IDENTIFY_TIMEOUT.toMillis() + 10_000);
        }
        JsonObject app = result.getJsonObject("app");
        assertThat(app.getInteger("connects")).isEqualTo(2);
        assertThat(app.getJsonArray("disconnects")).containsExactly("transport close");
        assertThat(app.getBoolean("registered")).isTrue();
        assertThat(result.getInteger("identifyTimeoutsCounted")).isEqualTo(3);
    }
}
