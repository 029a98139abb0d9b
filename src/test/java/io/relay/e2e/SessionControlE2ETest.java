package io.relay.e2e;

import io.relay.LogCapture;
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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The phone lists and revokes its browsers ({@code relay-sessions.js}, official client), with two
 * nodes sharing the event bus and the database, so a revocation must reach the other node's sockets.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Sessions under the phone's control")
class SessionControlE2ETest {

    private RelayNode first;
    private RelayNode second;

    @AfterEach
    @Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
    void stop(VertxTestContext ctx) {
        Future.join(first == null ? Future.succeededFuture() : first.close(),
                        second == null ? Future.succeededFuture() : second.close())
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @Timeout(value = 150, timeUnit = TimeUnit.SECONDS)
    @DisplayName("the phone lists its browsers and revokes one or all over Socket.IO or REST (device secret as bearer); revoked browsers are told and disconnected on every node, and verify/web:authenticate refuse them after; no token or secret is ever logged")
    void listAndRevoke(Vertx vertx) throws Exception {
        RelayConfig config = TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl());
        first = RelayNode.start(vertx, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        second = RelayNode.start(vertx, TestConfigs.forDatabase(config.databaseUrl().orElseThrow()))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        try (LogCapture logs = new LogCapture()) {
            NodeScript.assertPasses("relay-sessions.js", Duration.ofSeconds(90),
                    "http://127.0.0.1:" + first.port(), "http://127.0.0.1:" + second.port());
            assertThat(logs.lines()).as("log lines of the whole run, at DEBUG").hasSizeGreaterThan(20)
                    .noneMatch(line -> LogCapture.CREDENTIAL.matcher(line).find());
        }
    }
}
