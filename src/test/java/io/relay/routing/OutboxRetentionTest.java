package io.relay.routing;

import io.relay.LogCapture;
import io.relay.ops.Metrics;
import io.relay.store.FreshStorage;
import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox's own timer, over the real PostgreSQL store: the store refuses a batch larger than its largest,
 * so a sweep asking for more fails every time and the outbox grows for ever; only a sweep that ran shows it.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The outbox's retention")
class OutboxRetentionTest {
    private static final Duration FAST = Duration.ofMillis(20);
    /** Longer than the keeping time, so a command pending for longer than that has not expired yet. */
    private static final Duration TTL = Outbox.SETTLED_KEPT.multipliedBy(4);

    @RegisterExtension
    final FreshStorage storage = new FreshStorage();

    @Test
    @DisplayName("started, a node deletes on its own timer the commands settled (delivered, done, expired) that were queued before "
            + "the keeping time, and keeps those queued within it and every pending one, however old")
    void sweepsOnItsOwn(Vertx vertx) throws Exception {
        Store store = storage.store();
        JsonObject payload = new JsonObject().put("phoneNumber", "+15550100").put("message", "hi");
        await(store.enqueueCommand("d", "old-expired", "send:message", payload));
        await(store.expireCommands(Instant.now().plusSeconds(60))); // the only command pending so far
        for (String key : new String[] {"old-delivered", "old-done", "old-pending", "recent-done"}) {
            await(store.enqueueCommand("d", key, "send:message", payload));
        }
        await(store.claimCommand("d", "old-delivered", UUID.randomUUID().toString(), false));
        await(store.confirmCommand("d", "old-done"));
        await(store.confirmCommand("d", "recent-done"));
        Instant now = Instant.now();
        for (String key : new String[] {"old-expired", "old-delivered", "old-done", "old-pending"}) {
            queuedAt(key, now.minus(Outbox.SETTLED_KEPT).minus(Duration.ofHours(1)));
        }
        queuedAt("recent-done", now.minus(Outbox.SETTLED_KEPT).plus(Duration.ofHours(1)));

        Outbox outbox = new Outbox(vertx, "n1", store, new PhoneRoutes(vertx), new WebFanout(vertx), Metrics.standalone(), TTL, FAST);
        try (LogCapture logs = new LogCapture()) {
            outbox.start();
            String pruned = "INFO io.relay.routing.Outbox: outbox pruned node=n1 settled=3 keptFor=PT168H";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!logs.linesWithLevel().contains(pruned)) {
                assertThat(logs.linesWithLevel()).as("no sweep failed").noneMatch(line -> line.contains("outbox sweep failed"));
                assertThat(System.nanoTime()).as("the timer swept within 5 s").isLessThan(deadline);
                Thread.sleep(FAST.toMillis());
            }
            Thread.sleep(FAST.toMillis() * 5); // a few more sweeps, with nothing left to delete
            outbox.stop();
            assertThat(commands()).containsExactlyInAnyOrderEntriesOf(Map.of("old-pending", "pending", "recent-done", "done"));
        }
    }

    /** Dates a command's queueing back: the store only ever queues now. */
    private void queuedAt(String key, Instant at) throws Exception {
        try (Connection c = storage.connect(); PreparedStatement s = c.prepareStatement("UPDATE outbox SET created_at = ? WHERE key = ?")) {
            s.setObject(1, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
            s.setString(2, key);
            assertThat(s.executeUpdate()).as(key).isEqualTo(1);
        }
    }

    /** Every command left in the outbox, key → state. */
    private Map<String, String> commands() throws Exception {
        Map<String, String> states = new TreeMap<>();
        try (Connection c = storage.connect(); Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT key, state FROM outbox")) {
            while (rows.next()) {
                states.put(rows.getString("key"), rows.getString("state"));
            }
        }
        return states;
    }


    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
