package io.relay.store;

import io.relay.vocabulary.FailureReason;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The store's failure log")
class FailureLogTest {
    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final FailureLog log = new FailureLog(lines::add, now::get, 10_000);

    @Test
    @DisplayName("during an 8 s outage with 1,000 failed requests writes two lines: the first failure, and the sum when a request succeeds again")
    void outageInTwoLines() {
        for (int i = 0; i < 1_000; i++) {
            now.addAndGet(8);
            log.failed("save-messages", FailureReason.STORAGE_UNAVAILABLE, "connection refused #" + i);
        }
        log.succeeded();

        assertThat(lines).containsExactly(
                "store save-messages failed (storage_unavailable): connection refused #0",
                "store save-messages failed (storage_unavailable) 999 more time(s) in the last 8.0 s; over after 8.0 s (a request succeeded again);"
                        + " last: connection refused #999");
    }

    @Test
    @DisplayName("while failures go on, sums them up once per window; each kind of failure has its own lines")
    void longOutageAndKinds() {
        log.failed("save-messages", FailureReason.STORAGE_UNAVAILABLE, "down");
        log.failed("find-session", FailureReason.STORAGE_UNAVAILABLE, "down");
        for (int second = 1; second <= 25; second++) {
            now.addAndGet(1_000);
            log.failed("save-messages", FailureReason.STORAGE_UNAVAILABLE, "still down");
        }

        assertThat(lines).containsExactly(
                "store save-messages failed (storage_unavailable): down",
                "store find-session failed (storage_unavailable): down",
                "store save-messages failed (storage_unavailable) 10 more time(s) in the last 10.0 s, for 10.0 s now; last: still down",
                "store save-messages failed (storage_unavailable) 10 more time(s) in the last 10.0 s, for 20.0 s now; last: still down");
    }

    @Test
    @DisplayName("writes nothing when requests only succeed, and starts afresh after a recovery")
    void quietWhenHealthy() {
        log.succeeded();
        assertThat(lines).isEmpty();

        log.failed("save-messages", FailureReason.STORAGE_UNAVAILABLE, "down");
        log.succeeded();
        log.failed("save-messages", FailureReason.STORAGE_UNAVAILABLE, "down again");

        assertThat(lines).hasSize(3).last().isEqualTo("store save-messages failed (storage_unavailable): down again");
    }
}
