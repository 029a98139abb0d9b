package io.relay.e2e;

import io.relay.RelayNode;
import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.relay.store.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Pairing cannot be forged, replayed or used late: the phone app and the browser's REST calls played
 * by {@code relay-qr.js} against a node whose QR codes live {@value #QR_TTL_MS} ms.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("QR pairing under attack")
class QrPairingE2ETest {

    private static final long QR_TTL_MS = 1500;

    private RelayNode node;

    @BeforeEach
    @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
    void start(Vertx vertx, VertxTestContext ctx) {
        RelayConfig config = TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl()).toBuilder()
                .pairing(new RelayConfig.Pairing(Duration.ofMillis(QR_TTL_MS))).build();
        RelayNode.start(vertx, config).onComplete(ctx.succeeding(started -> {
            node = started;
            ctx.completeNow();
        }));
    }

    @AfterEach
    @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
    void stop(VertxTestContext ctx) {
        (node == null ? Future.<Void>succeededFuture() : node.close()).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("forged QR data is refused without answering the waiting browser; the issued QR pairs once, replays are refused; an expired QR is refused and its wait answers 408 Pairing timeout")
    void forgedReplayedExpired() throws Exception {
        NodeScript.assertPasses("relay-qr.js", Duration.ofSeconds(60), "http://127.0.0.1:" + node.port(), String.valueOf(QR_TTL_MS));
    }
}
