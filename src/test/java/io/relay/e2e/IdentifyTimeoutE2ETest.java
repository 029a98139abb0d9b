package io.relay.e2e;

import io.relay.RelayNode;
import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.relay.store.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Connections that never identify are closed; identified ones are not: {@code relay-idle.js} with a one-second timeout. */
@ExtendWith(VertxExtension.class)
@DisplayName("The identify timeout")
class IdentifyTimeoutE2ETest {
    private static final Duration IDENTIFY_TIMEOUT = Duration.ofSeconds(1);

    private RelayNode node;

    @BeforeEach
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void start(Vertx vertx, VertxTestContext ctx) {
        RelayConfig base = TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl());
        RelayNode.start(vertx, base.withSecurity(base.security().withIdentifyTimeout(IDENTIFY_TIMEOUT)))
                .onComplete(ctx.succeeding(started -> {
                    node = started;
                    ctx.completeNow();
                }));
    }

    @AfterEach
    void stop(VertxTestContext ctx) {
        node.close().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a socket silent past the timeout is told why and its transport closed (the client reconnects by itself); quiet phones and browsers stay")
    void closesOnlyUnidentifiedSockets() throws Exception {
        JsonObject result = NodeScript.runOk("relay-idle.js", Duration.ofSeconds(60), "http://127.0.0.1:" + node.port(),
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
