package io.relay.e2e;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** How a node comes up, as the tests and an operator see it from outside. */
@ExtendWith(VertxExtension.class)
@DisplayName("Starting a relay node")
class RelayNodeStartE2ETest {
    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();

    @Test
    @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
    @DisplayName("configured with port 0 it listens on an ephemeral port, reports it, and serves every connection there")
    void ephemeralPort(VertxTestContext ctx) {
        Vertx vertx = relay.vertx();
        Future.succeededFuture(relay.node())
                .compose(node -> {
                    ctx.verify(() -> assertThat(node.port()).isPositive());
                    // Several connections: a node runs one HTTP server per event loop, all on that port.
                    return Future.all(IntStream.range(0, 8)
                                    .mapToObj(i -> WebClient.create(vertx).get(node.port(), "127.0.0.1", "/api/auth/health").send())
                                    .toList())
                            .map(all -> {
                                ctx.verify(() -> all.<HttpResponse<Buffer>>list()
                                        .forEach(r -> assertThat(r.statusCode()).isEqualTo(200)));
                                return node;
                            });
                })
                .onComplete(ctx.succeedingThenComplete());
    }
}
