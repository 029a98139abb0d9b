package io.relay.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

/** A browser resumes from the last sequence number it saw: {@code relay-resume.js}. */
@DisplayName("Resuming a browser")
class ResumeE2ETest {
    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();

    @Test
    @DisplayName("replays exactly what a browser missed, numbered without gaps and in order; an unknown number gets sync:reset and a full sync")
    void resumesFromTheLastSequence() throws Exception {
        NodeScript.assertPasses("relay-resume.js", Duration.ofSeconds(60), relay.url());
    }
}
