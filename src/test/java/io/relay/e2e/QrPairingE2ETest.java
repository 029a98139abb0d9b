package io.relay.e2e;

import io.relay.config.RelayConfig;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pairing cannot be forged, replayed or used late: the phone app and the browser's REST calls played
 * by {@code relay-qr.js} against a node whose QR codes live {@value #QR_TTL_MS} ms.
 */
@DisplayName("QR pairing under attack")
class QrPairingE2ETest {

    private static final long QR_TTL_MS = 1500;

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().pairing(new RelayConfig.Pairing(Duration.ofMillis(QR_TTL_MS))).build());

    @Test
    @DisplayName("forged QR data is refused without answering the waiting browser; the issued QR pairs once, replays are refused; an expired QR is refused and its wait answers 408 Pairing timeout")
    void forgedReplayedExpired() throws Exception {
        NodeScript.assertPasses("relay-qr.js", Duration.ofSeconds(60), relay.url(), String.valueOf(QR_TTL_MS));
    }
}
