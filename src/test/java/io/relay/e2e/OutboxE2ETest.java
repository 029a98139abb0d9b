package io.relay.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

/** Browser commands survive the phone being away: {@code relay-outbox.js} with a two-second outbox TTL. */
@DisplayName("The outbox")
class OutboxE2ETest {
    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().outboxTtl(Duration.ofSeconds(2)).build());

    @Test
    @DisplayName("delivers 100 sends made while the phone was away once each and in order, never twice after a retry or a reconnect, and reports a send that expired as failed")
    void nothingLostWhileThePhoneIsAway() throws Exception {
        NodeScript.assertPasses("relay-outbox.js", Duration.ofSeconds(90), relay.url());
    }
}
