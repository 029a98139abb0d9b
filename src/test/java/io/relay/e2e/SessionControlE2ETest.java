package io.relay.e2e;

import io.relay.LogCapture;
import io.relay.RelayNode;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The phone lists and revokes its browsers ({@code relay-sessions.js}, official client), with two
 * nodes sharing the event bus and the database, so a revocation must reach the other node's sockets.
 */
@DisplayName("Sessions under the phone's control")
class SessionControlE2ETest {

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();

    @Test
    @Timeout(value = 150, timeUnit = TimeUnit.SECONDS)
    @DisplayName("the phone lists its browsers and revokes one or all over Socket.IO or REST (device secret as bearer); revoked browsers are told and disconnected on every node, and verify/web:authenticate refuse them after; no token or secret is ever logged")
    void listAndRevoke() throws Exception {
        RelayNode first = relay.node();
        RelayNode second = relay.another();
        try (LogCapture logs = new LogCapture()) {
            NodeScript.assertPasses("relay-sessions.js", Duration.ofSeconds(90),
                    "http://127.0.0.1:" + first.port(), "http://127.0.0.1:" + second.port());
            assertThat(logs.lines()).as("log lines of the whole run, at DEBUG").hasSizeGreaterThan(20)
                    .noneMatch(line -> LogCapture.CREDENTIAL.matcher(line).find());
        }
    }
}
