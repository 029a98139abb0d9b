package io.relay.security;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The log throttle")
class LogThrottleTest {
    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final LogThrottle throttle = new LogThrottle(lines::add, now::get, 10_000);

    @Test
    @DisplayName("a flood of one kind is a first line and a sum per window; after a quiet window the next one is a first line again")
    void floodThenQuiet() {
        for (int i = 0; i < 300; i++) {
            now.addAndGet(50); // 20 a second for 15 s
            throttle.occurred("request refused (origin)", "remote=10.0.0." + i % 7);
        }
        now.addAndGet(60_000);
        throttle.occurred("request refused (origin)", "remote=10.0.0.9");
        now.addAndGet(60_000);
        throttle.occurred("request refused (origin)", "remote=10.0.0.8");

        assertThat(lines).containsExactly(
                "request refused (origin): remote=10.0.0.0",
                "request refused (origin) 200 more time(s) in the last 10.0 s, for 10.0 s now; last: remote=10.0.0.4",
                "request refused (origin) 99 more time(s) in the last 65.0 s; over after 75.0 s (none for 10 s); last: remote=10.0.0.5",
                "request refused (origin): remote=10.0.0.9",
                "request refused (origin): remote=10.0.0.8");
    }

    @Test
    @DisplayName("kinds are throttled apart")
    void kindsApart() {
        throttle.occurred("a", "1");
        throttle.occurred("b", "1");
        throttle.occurred("a", "2");
        assertThat(lines).containsExactly("a: 1", "b: 1");
    }
}
