package io.relay.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser's session is handed out once, and only for its waiter token: {@code relay-pairing-once.js}
 * plays the browser, an onlooker who read the QR image's URL, and the phone, with the official client.
 */
@DisplayName("Handing out a pairing's session")
class PairingHandOutE2ETest {

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();

    @Test
    @DisplayName("the handle in the QR image's URL collects nothing; a second wait-pairing gets 410, of two concurrent ones exactly one gets the session; a long-poll cut before the scan takes nothing, so the retry pairs")
    void handedOutOnce() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-pairing-once.js", Duration.ofSeconds(90), relay.url());

        assertThat(result.getInteger("imageHandleStatus")).isEqualTo(404);
        assertThat(result.getJsonArray("concurrentStatuses")).isEqualTo(new JsonArray().add(200).add(410));
    }
}
