package io.relay.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A socket that never registers opens a binary event announcing 1000 attachments and streams 1 MB binary
 * frames at it ({@code relay-hostile.js binary}). Before the bound, the node took all 150 frames into its
 * heap and kept them for as long as the connection lived. How many frames the client gets out before the
 * close depends on how fast this machine reads them (and drops them); what the node held during the attack
 * is measured by {@code bench/hostile.sh binary}.
 */
@DisplayName("Unfinished binary packets")
class BinaryAttachmentsE2ETest {

    private static final int FRAMES = 150;
    private static final int FRAME_BYTES = 1_000_000;

    @Nested
    @DisplayName("with the shipped settings (the contract carries no binary)")
    class Refused {
        @RegisterExtension
        final FreshRelay relay = FreshRelay.withDefaults();

        @Test
        @DisplayName("a binary event is refused on its header: error {code: binary_refused}, the connection closed, its attachments never taken")
        void refusedBeforeBuffering() throws Exception {
            JsonObject result = NodeScript.assertPasses("relay-hostile.js", Duration.ofSeconds(120), "binary", relay.url(),
                    String.valueOf(FRAMES), String.valueOf(FRAME_BYTES), "5000");

            assertThat(result.getJsonObject("closed")).as("the node closes the connection").isNotNull();
            assertThat(codes(result.getJsonArray("errors"))).containsExactly("binary_refused");
            assertThat(result.getJsonArray("errors").getJsonObject(0).getBoolean("retryable")).isFalse();
            assertThat(metric(result, "relay_errors_total{reason=\"binary_refused\"}")).isEqualTo(1);
            assertThat(metric(result, "relay_connections_closed_total{kind=\"anonymous\",reason=\"binary refused\"}")).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("with binary allowed by the operator, within bounds")
    class Bounded {
        @RegisterExtension
        final FreshRelay relay = FreshRelay.with(c -> c.toBuilder().socket(s -> s.maxBinaryAttachments(1_000).maxBinaryBytes(3_000_000).binaryPacketTimeout(Duration.ofSeconds(30))).build());

        @Test
        @DisplayName("attachments past MAX_BINARY_BYTES close the connection with error {code: attachments_over_limit}")
        void overBytes() throws Exception {
            JsonObject result = NodeScript.assertPasses("relay-hostile.js", Duration.ofSeconds(120), "binary", relay.url(),
                    String.valueOf(FRAMES), String.valueOf(FRAME_BYTES), "5000");

            assertThat(result.getJsonObject("closed")).isNotNull();
            assertThat(codes(result.getJsonArray("errors"))).containsExactly("attachments_over_limit");
            assertThat(metric(result, "relay_connections_closed_total{kind=\"anonymous\",reason=\"attachments over limit\"}")).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("with binary allowed, and a client too slow to finish its packet")
    class Slow {
        @RegisterExtension
        final FreshRelay relay = FreshRelay.with(c -> c.toBuilder().socket(s -> s.maxBinaryAttachments(1_000).maxBinaryBytes(3_000_000).binaryPacketTimeout(Duration.ofMillis(500))).build());

        @Test
        @DisplayName("a packet not finished within BINARY_PACKET_TIMEOUT_MS closes the connection with error {code: attachments_over_limit}")
        void tooSlow() throws Exception {
            JsonObject result = NodeScript.assertPasses("relay-hostile.js", Duration.ofSeconds(120), "binary", relay.url(),
                    "1", "1000", "20000");

            assertThat(result.getInteger("framesSent")).isEqualTo(1);
            assertThat(result.getJsonObject("closed")).as("closed by the packet timeout, long before the client's 20 s hold").isNotNull();
            assertThat(result.getJsonObject("closed").getLong("afterMs")).isLessThan(15_000);
            assertThat(codes(result.getJsonArray("errors"))).containsExactly("attachments_over_limit");
        }
    }

    static JsonArray codes(JsonArray errors) {
        JsonArray codes = new JsonArray();
        errors.forEach(e -> codes.add(((JsonObject) e).getString("code")));
        return codes;
    }

    /** The value of one metric line the script collected, or -1 when absent. */
    static double metric(JsonObject result, String series) {
        return metric(result.getJsonArray("metrics"), series);
    }

    static double metric(JsonArray lines, String series) {
        for (Object line : lines) {
            String text = (String) line;
            if (text.startsWith(series + " ")) {
                return Double.parseDouble(text.substring(series.length() + 1).trim());
            }
        }
        return -1;
    }
}
