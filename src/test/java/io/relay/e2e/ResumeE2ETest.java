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

/** A browser resumes from the last sequence number it saw: {@code relay-resume.js}. */
@ExtendWith(VertxExtension.class)
@DisplayName("Resuming a browser")
class ResumeE2ETest {
    private RelayNode node;

    @BeforeEach
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void start(Vertx vertx, VertxTestContext ctx) {
        RelayNode.start(vertx, TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl())).onComplete(ctx.succeeding(started -> {
            node = started;
            ctx.completeNow();
        }));
    }

    @AfterEach
    void stop(VertxTestContext ctx) {
        node.close().onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("replays exactly what a browser missed, numbered without gaps and in order; an unknown number gets sync:reset and a full sync")
    void resumesFromTheLastSequence() throws Exception {
        NodeScript.runOk("relay-resume.js", Duration.ofSeconds(60), "http://127.0.0.1:" + node.port());
    }
}
