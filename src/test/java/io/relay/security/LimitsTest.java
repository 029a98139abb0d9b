package io.relay.security;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Rate limits, connection counts and origins")
class LimitsTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    @DisplayName("a token bucket lets a burst of its capacity through, then only its refill rate")
    void tokenBucket() {
        TokenBucket bucket = new TokenBucket(10, 5, 0);
        int passed = 0;
        for (int i = 0; i < 100; i++) {
            passed += bucket.tryTake(0) ? 1 : 0;
        }
        assertThat(passed).isEqualTo(10);
        assertThat(bucket.tryTake(SECOND / 10)).isFalse(); // half a token
        assertThat(bucket.tryTake(SECOND / 5)).isTrue();
        int later = 0;
        for (int i = 0; i < 100; i++) {
            later += bucket.tryTake(SECOND * 10) ? 1 : 0;
        }
        assertThat(later).as("refills only up to the capacity").isEqualTo(10);
    }

    @Test
    @DisplayName("the per-IP limiter keeps one bucket per key and forgets the ones that filled up again")
    void keyed() {
        AtomicLong now = new AtomicLong();
        KeyedRateLimiter limiter = new KeyedRateLimiter(3, now::get);
        assertThat(List.of(limiter.tryAcquire("a"), limiter.tryAcquire("a"), limiter.tryAcquire("a"), limiter.tryAcquire("a")))
                .containsExactly(true, true, true, false);
        assertThat(limiter.tryAcquire("b")).as("another IP has its own allowance").isTrue();
        now.addAndGet(20 * SECOND);
        assertThat(limiter.tryAcquire("a")).as("one request per 20 s comes back").isTrue();
        now.addAndGet(3600 * SECOND);
        for (int i = 0; i < 2048; i++) {
            limiter.tryAcquire("c");
        }
        assertThat(limiter.size()).as("full buckets are swept").isLessThanOrEqualTo(2);
    }

    @Test
    @DisplayName("the connection counter admits up to its cap per key, takes a slot back on each release, and forgets keys with none open")
    void connectionCounter() {
        ConnectionCounter counter = new ConnectionCounter(2);
        assertThat(List.of(counter.tryAcquire("a"), counter.tryAcquire("a"), counter.tryAcquire("a"))).containsExactly(true, true, false);
        assertThat(counter.tryAcquire("b")).as("another IP has its own allowance").isTrue();
        assertThat(counter.open("a")).isEqualTo(2);
        assertThat(counter.total()).as("a refused connection is not counted").isEqualTo(3);
        counter.release("a");
        assertThat(counter.tryAcquire("a")).isTrue();
        counter.release("a");
        counter.release("a");
        counter.release("b");
        counter.release("b"); // one release too many is ignored, never a negative count
        assertThat(counter.total()).isZero();
        assertThat(counter.keys()).isZero();
        ConnectionCounter uncapped = new ConnectionCounter(0);
        for (int i = 0; i < 10_000; i++) {
            assertThat(uncapped.tryAcquire("a")).isTrue();
        }
        assertThat(uncapped.total()).isEqualTo(10_000);
    }

    @Test
    @DisplayName("origins match exactly; * allows any; no Origin header (a native app) is allowed")
    void origins() {
        OriginPolicy policy = new OriginPolicy(List.of("https://app.example", "http://localhost:5173"));
        assertThat(policy.allows("https://app.example")).isTrue();
        assertThat(policy.allows("http://localhost:5173")).isTrue();
        assertThat(policy.allows(null)).isTrue();
        assertThat(policy.allows("https://app.example.evil")).isFalse();
        assertThat(policy.allows("https://evil.example")).isFalse();
        assertThat(policy.allows("null")).isFalse();
        assertThat(policy.allows("HTTPS://APP.EXAMPLE")).isFalse();
        assertThat(new OriginPolicy(List.of("*")).allows("https://anything.example")).isTrue();
    }
}
