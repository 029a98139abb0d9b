package io.relay.e2e;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.relay.e2e.BinaryAttachmentsE2ETest.metric;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A paired browser stops reading its TCP socket while its phone sends 120 messages of 512 KB
 * ({@code relay-hostile.js slow}). Before the bound, the node queued all it could not hand to the kernel
 * and delivered it whenever the browser read again; now the connection is closed past
 * {@code MAX_OUTBOUND_BYTES} and the browser, reconnecting, resumes from its sequence number and gets every
 * message. 60 MB, not the 40 MB of the report: loopback's kernel buffers alone took up to 36 MB of a
 * paused reader here (send buffer up to 4 MB, receive buffer up to 32 MB), and the node must be left
 * with more than its bound.
 */
@DisplayName("A browser that stops reading")
class SlowReaderE2ETest {

    private static final int MESSAGES = 120;
    private static final int BYTES = 512 * 1024;

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();

    @Test
    @DisplayName("is closed once more than MAX_OUTBOUND_BYTES wait for it, counted as outbound full; it resumes and misses nothing")
    void closedPastTheBoundAndResumes() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-hostile.js", Duration.ofSeconds(240), "slow", relay.url(),
                String.valueOf(MESSAGES), String.valueOf(BYTES), "3000");

        assertThat(result.getJsonObject("closed")).as("the node closed the connection").isNotNull();
        assertThat(result.getInteger("receivedBeforeClose")).as("messages read before the close").isLessThan(MESSAGES);
        assertThat(metric(result.getJsonArray("metricsAfterHold"), "relay_connections_closed_total{kind=\"web\",reason=\"outbound full\"}"))
                .isEqualTo(1);
        assertThat(metric(result.getJsonArray("metricsAfterHold"), "relay_outbound_buffered_bytes"))
                .as("the gauge is reported, and nothing is held for the closed connection").isBetween(0.0, 1_000_000.0);
        assertThat(result.getInteger("resumed")).as("messages the resume brought").isPositive();
        assertThat(result.getJsonArray("missing")).as("messages the browser never got").isEmpty();
    }
}
