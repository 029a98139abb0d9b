package io.relay.ops;

import io.relay.LogCapture;
import io.relay.vocabulary.Addresses;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.MessageConsumerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Vert.x's own event bus and the shipped logback.xml: events still queued for a consumer when it goes are
 * discarded by Vert.x with a WARN each, which is what happens to a phone's events on a node whose last browser of
 * that phone just left.
 */
@DisplayName("Events for a phone's departed browsers")
class DepartedConsumerFilterTest {
    private static final String NOT_REGISTERED = "Discarding message since the consumer is not registered";

    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** Three events queued for a paused consumer of {@code address}, which then goes: what Vert.x logged meanwhile. */
    private List<String> threeQueuedThenGone(String address, int maxBuffered) throws Exception {
        try (LogCapture log = new LogCapture()) {
            Promise<Void> gone = Promise.promise();
            vertx.runOnContext(v -> {
                MessageConsumer<String> consumer = vertx.eventBus()
                        .consumer(new MessageConsumerOptions().setAddress(address).setMaxBufferedMessages(maxBuffered));
                consumer.handler(m -> { }).pause();
                consumer.completion().onSuccess(registered -> {
                    for (int i = 0; i < 3; i++) {
                        vertx.eventBus().publish(address, "event " + i);
                    }
                    // Delivery is a task on this context, so the timer finds the three queued (or overflowed).
                    vertx.setTimer(50, t -> consumer.unregister().onComplete(gone));
                });
            });
            gone.future().await(10, TimeUnit.SECONDS);
            return log.linesWithLevel();
        }
    }

    @Test
    @DisplayName("are counted in relay_fanout_departed_total instead of one WARN each")
    void countedNotLogged() throws Exception {
        long before = DepartedConsumerFilter.departed();

        List<String> lines = threeQueuedThenGone(Addresses.web("departed-phone"), 1_000);

        assertThat(lines).noneMatch(line -> line.contains(NOT_REGISTERED));
        assertThat(DepartedConsumerFilter.departed() - before).isEqualTo(3);
        Metrics metrics = Metrics.standalone();
        assertThat(metrics.prometheus().scrape()).containsPattern("(?m)^relay_fanout_departed_total [1-9]");
    }

    @Test
    @DisplayName("but the same discard on any other address still logs a WARN each, and is not counted")
    void otherAddressesStillWarn() throws Exception {
        long before = DepartedConsumerFilter.departed();

        List<String> lines = threeQueuedThenGone(Addresses.sessionsRevoked(), 1_000);

        assertThat(lines).filteredOn(line -> line.startsWith("WARN") && line.contains(NOT_REGISTERED)).hasSize(3);
        assertThat(DepartedConsumerFilter.departed()).isEqualTo(before);
    }

    @Test
    @DisplayName("and a phone's consumer that overflows while paused still warns: that is load, not a departure")
    void overflowStillWarns() throws Exception {
        List<String> lines = threeQueuedThenGone(Addresses.web("slow-phone"), 1);

        assertThat(lines).anyMatch(line -> line.startsWith("WARN") && line.contains("Discarding message as more than 1 buffered"));
    }
}
