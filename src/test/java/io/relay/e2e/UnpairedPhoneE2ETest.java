package io.relay.e2e;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A socket that registers a made-up deviceId is identified, so the identify timeout never closes it:
 * the unpaired-phone timeout does, while a phone that paired stays ({@code relay-unpaired.js}, the
 * official client, with a two-second timeout).
 */
@DisplayName("The unpaired-phone timeout")
class UnpairedPhoneE2ETest {
    private static final Duration UNPAIRED_TIMEOUT = Duration.ofSeconds(2);

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(c -> c.toBuilder().security(s -> s.unpairedPhoneTimeout(UNPAIRED_TIMEOUT)).build());

    @Test
    @DisplayName("a phone registered with a made-up deviceId that no browser pairs with is told why and closed; a paired phone stays")
    void closesUnpairedPhones() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-unpaired.js", Duration.ofSeconds(90), relay.url(),
                String.valueOf(UNPAIRED_TIMEOUT.toMillis()));

        JsonObject stranger = result.getJsonObject("stranger");
        assertThat(stranger.getString("reason")).as(stranger.encode()).isEqualTo("transport close");
        assertThat(result.getBoolean("pairedStayed")).isTrue();
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(relay.url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("relay_errors_total{reason=\"unpaired_timeout\"} 1.0");
    }
}
