package io.relay.warmup;

import io.relay.store.InMemoryStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("A warm-up that meets a node that never answers")
class WarmupCutOffTest {
    @Test
    @DisplayName("ends its rounds once it is past its limit by the overrun, and reports them failed, so the node still starts")
    void cutOffPastItsLimit(Vertx vertx) throws Exception {
        // Takes every connection and every request, answers none: each round's first step waits forever.
        AtomicInteger connections = new AtomicInteger();
        HttpServer silent = vertx.createHttpServer().connectionHandler(connection -> connections.incrementAndGet()).requestHandler(request -> { })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Duration limit = Duration.ofSeconds(1);
        long started = System.nanoTime();
        Warmup.Report report = Warmup.run(vertx, silent.actualPort(), new InMemoryStore(), "cutoff", limit)
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).as("limit + overrun, and a little for closing").isBetween(limit.plus(Warmup.OVERRUN), limit.plus(Warmup.OVERRUN).plusSeconds(5));
        assertThat(report.pairings()).isZero();
        assertThat(report.failures()).as("every lane's round").isEqualTo(Warmup.LANES);
        // Every lane got its phone's socket at once: none queued behind the socket client's own cap.
        assertThat(connections.get()).as("phone sockets opened by the lanes").isEqualTo(Warmup.LANES);
        assertThat(report.jitSettled()).isFalse();
    }
}
