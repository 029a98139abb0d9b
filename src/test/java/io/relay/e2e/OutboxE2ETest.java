package io.relay.e2e;

import io.relay.RelayNode;
import io.relay.TestConfigs;
import io.relay.store.TestDatabase;
import io.vertx.core.Vertx;
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

/** Browser commands survive the phone being away: {@code relay-outbox.js} with a two-second outbox TTL. */
@ExtendWith(VertxExtension.class)
@DisplayName("The outbox")
class OutboxE2ETest {
    private RelayNode node;

    @BeforeEach
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void start(Vertx vertx, VertxTestContext ctx) {
        RelayNode.start(vertx, TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl()).withOutboxTtl(Duration.ofSeconds(2)))
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
    @DisplayName("delivers 100 sends made while the phone was away once each and in order, never twice after a retry or a reconnect, and reports a send that expired as failed")
    void nothingLostWhileThePhoneIsAway() throws Exception {
        NodeScript.runOk("relay-outbox.js", Duration.ofSeconds(90), "http://127.0.0.1:" + node.port());
    }
}
