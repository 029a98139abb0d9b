package io.relay.e2e;

import io.relay.config.RelayConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

/**
 * Relay first, write behind ({@code relay-write-behind.js}), on a node whose write-behind window is long
 * enough to see the order of things from outside.
 */
@DisplayName("Relaying a phone event before it is stored")
class WriteBehindE2ETest {
    private static final Duration WINDOW = Duration.ofMillis(1_500);

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(c -> c.toBuilder()
            .storeFlush(new RelayConfig.StoreFlush(1_000, RelayConfig.StoreFlush.defaults().maxWait(), WINDOW,
                    RelayConfig.StoreFlush.defaults().behindBatch(), RelayConfig.StoreFlush.defaults().commandWait())).build());

    @Test
    @DisplayName("the browser gets the event before the phone's ack; a browser resuming before the write landed still gets it; the ack waits for the write")
    void relayedBeforeStoredAndNeverMissedByAResume() throws Exception {
        NodeScript.assertPasses("relay-write-behind.js", Duration.ofSeconds(60), relay.url());
    }
}
