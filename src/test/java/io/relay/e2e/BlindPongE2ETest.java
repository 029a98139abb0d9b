package io.relay.e2e;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.relay.e2e.BinaryAttachmentsE2ETest.metric;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A paired browser stops reading but sends an Engine.IO pong every 200 ms without reading a ping, while its
 * phone sends 120 messages of 512 KB (more than loopback's kernel buffers take of a paused reader, see
 * {@link SlowReaderE2ETest}, so that what follows waits in the node). The outbound bound is set far above that, so only the heartbeat can
 * end it. Before, any pong reset the heartbeat, and such a browser stayed connected for as long as it liked
 * with everything queued for it; now a pong counts only for a ping that left the node, and the pings are
 * stuck behind what the browser does not read.
 */
@DisplayName("Blind pongs")
class BlindPongE2ETest {

    /** Heartbeat of this node: ping every second, pong due 2 s later (start the old jar with PING_INTERVAL_MS=1000 PING_TIMEOUT_MS=2000). */
    private static final Duration PING_INTERVAL = Duration.ofSeconds(1);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(c -> c.toBuilder().socket(s -> s.pingInterval(PING_INTERVAL).pingTimeout(PING_TIMEOUT)
            .maxOutboundBytes(512L * 1024 * 1024)).build());

    @Test
    @DisplayName("do not keep a browser that reads nothing alive: the heartbeat closes it (ping timeout), and it resumes without loss")
    void heartbeatClosesANonReader() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-hostile.js", Duration.ofSeconds(240), "slow", relay.url(),
                "120", String.valueOf(512 * 1024), "8000", "blind");

        assertThat(result.getInteger("pongs")).as("blind pongs sent").isPositive();
        assertThat(result.getJsonObject("closed")).as("the node closed the connection").isNotNull();
        assertThat(metric(result.getJsonArray("metricsAfterHold"), "relay_connections_closed_total{kind=\"web\",reason=\"ping timeout\"}"))
                .as("closed by the heartbeat within the hold, several heartbeats long").isEqualTo(1);
        assertThat(result.getJsonArray("missing")).isEmpty();
    }
}
