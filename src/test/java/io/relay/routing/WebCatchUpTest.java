package io.relay.routing;

import io.relay.gateway.socketio.SocketIoPackets;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules by which a node hands live events to its browsers of a phone, against a log kept in memory
 * (the real log, in PostgreSQL, is exercised end to end by {@code PartitionIT}).
 */
@DisplayName("Catching up a node's browsers of a phone")
class WebCatchUpTest {
    private static final String PHONE = "phone-1";

    private Vertx vertx;
    private final TreeMap<Long, JsonObject> log = new TreeMap<>();
    private final List<String> handed = new CopyOnWriteArrayList<>();
    private volatile long oldestKept = 1;
    private volatile Promise<Void> logGate = null;
    private WebCatchUp catchUp;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        catchUp = new WebCatchUp(vertx, "n1", new WebCatchUp.Log() {
            @Override
            public Future<Long> lastSeq(String deviceId) {
                return Future.succeededFuture(log.isEmpty() ? 0 : log.lastKey());
            }

            @Override
            public Future<JsonArray> eventsSince(String deviceId, long since, int limit) {
                Future<Void> ready = logGate == null ? Future.succeededFuture() : logGate.future();
                return ready.map(v -> {
                    JsonArray out = new JsonArray();
                    log.tailMap(since, false).values().stream().filter(e -> e.getLong("seq") >= oldestKept).limit(limit)
                            .forEach(e -> out.add(e.copy()));
                    return out;
                });
            }

            @Override
            public Future<StoredSync> snapshot(String deviceId) {
                return Future.succeededFuture(new StoredSync(log.lastKey(), new JsonArray(),
                        List.of(new JsonArray().add(new JsonObject().put("id", "m" + log.lastKey())))));
            }
        }, (deviceId, event, seq, packet) -> handed.add(event.equals(Events.MESSAGES_SYNC) ? "seq " + new JsonArray(packet.substring(1))
                .getJsonObject(1).getLong("seq") : event));
    }

    private static void until(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** Stores event {@code seq} in the log and returns its live packet. */
    private String stored(long seq) {
        return stored(seq, seq - 1);
    }

    /** Stores event {@code seq}, whose predecessor is {@code prev} (numbers between were skipped), and returns its live packet. */
    private String stored(long seq, long prev) {
        log.put(seq, new JsonObject().put("seq", seq).put("prev", prev).put("event", Events.MESSAGES_SYNC).put("payload", payload(seq)));
        return packet(seq);
    }

    private static JsonObject payload(long seq) {
        return new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("id", "m" + seq)));
    }

    private static String packet(long seq) {
        return SocketIoPackets.encodeEvent(Events.MESSAGES_SYNC, payload(seq).put("seq", seq));
    }

    private void live(long seq) {
        catchUp.received(PHONE, Events.MESSAGES_SYNC, seq, seq - 1, stored(seq));
    }

    private void opened(long last) {
        for (long s = 1; s <= last; s++) {
            stored(s);
        }
        catchUp.opened(PHONE);
        until(() -> catchUp.delivered(PHONE) == last);
    }

    @Test
    @DisplayName("events in order are handed over as they come")
    void inOrder() {
        opened(2);
        live(3);
        live(4);
        assertThat(handed).containsExactly("seq 3", "seq 4");
    }

    @Test
    @DisplayName("an event ahead of the next number waits while the missing ones come from the log, first and in order")
    void gapFilledFromTheLog() {
        opened(2);
        stored(3);
        stored(4); // published while this node was cut off: never arrived
        live(5);
        live(6);
        until(() -> handed.size() == 4);
        assertThat(handed).containsExactly("seq 3", "seq 4", "seq 5", "seq 6");
    }

    @Test
    @DisplayName("a live event that a replay already handed over is dropped")
    void duplicatesDropped() {
        opened(2);
        stored(3);
        live(4); // fills 3 from the log, then hands 4
        until(() -> handed.size() == 2);
        catchUp.received(PHONE, Events.MESSAGES_SYNC, 3L, 2L, "late copy of 3");
        catchUp.received(PHONE, Events.MESSAGES_SYNC, 4L, 3L, "late copy of 4");
        assertThat(handed).containsExactly("seq 3", "seq 4");
    }

    @Test
    @DisplayName("presence news waits behind events being caught up, so it keeps its place")
    void unnumberedKeepsItsPlace() {
        opened(1);
        logGate = Promise.promise();
        stored(2);
        live(3);
        catchUp.received(PHONE, Events.MOBILE_CONNECTED, null, null, "connected");
        assertThat(handed).isEmpty();
        logGate.complete();
        until(() -> handed.size() == 3);
        assertThat(handed).containsExactly("seq 2", "seq 3", Events.MOBILE_CONNECTED);
    }

    @Test
    @DisplayName("a recheck finds what was missed when no live event comes to show the gap")
    void recheckWithoutLiveEvents() {
        opened(2);
        stored(3);
        stored(4);
        catchUp.recheck(PHONE);
        until(() -> handed.size() == 2);
        assertThat(handed).containsExactly("seq 3", "seq 4");
        assertThat(catchUp.delivered(PHONE)).isEqualTo(4);
    }

    @Test
    @DisplayName("a recheck that finds more missing than one read of the log brings all of it, page after page")
    void recheckPagesThroughTheLog() {
        opened(1);
        int missed = WebCatchUp.PAGE * 2 + 7;
        for (long s = 2; s < 2 + missed; s++) {
            stored(s);
        }
        catchUp.recheck(PHONE);
        until(() -> handed.size() == missed);
        assertThat(catchUp.delivered(PHONE)).isEqualTo(1 + missed);
        assertThat(handed.get(missed - 1)).isEqualTo("seq " + (1 + missed));
    }

    @Test
    @DisplayName("a gap the log no longer covers ends in sync:reset and a full sync (one messages:sync per thread), then live events go on from there")
    void resetWhenTheLogLacksTheGap() {
        opened(2);
        for (long s = 3; s <= 9; s++) {
            stored(s);
        }
        oldestKept = 6; // 3..5 pruned
        live(10);
        until(() -> handed.contains(Events.SYNC_COMPLETE));
        assertThat(handed).containsExactly(Events.SYNC_RESET, Events.CONVERSATIONS_SYNC, "seq 10", Events.SYNC_COMPLETE);
        live(11);
        assertThat(handed.get(handed.size() - 1)).isEqualTo("seq 11");
        assertThat(new ArrayList<>(handed)).hasSize(5);
    }

    @Test
    @DisplayName("numbers skipped after a takeover are stepped over: an event naming the last one handed over as its predecessor goes at once")
    void skippedNumbersLive() {
        opened(2);
        catchUp.received(PHONE, Events.MESSAGES_SYNC, 1_003L, 2L, stored(1_003, 2));
        catchUp.received(PHONE, Events.MESSAGES_SYNC, 1_004L, 1_003L, stored(1_004, 1_003));
        assertThat(handed).containsExactly("seq 1003", "seq 1004");
    }

    @Test
    @DisplayName("a skipped range inside the log is stepped over while catching up, without a reset")
    void skippedNumbersInTheLog() {
        opened(2);
        stored(3);
        stored(1_004, 3); // the phone moved to another node, whose block starts past the first one's
        catchUp.received(PHONE, Events.MESSAGES_SYNC, 1_005L, 1_004L, stored(1_005, 1_004));
        until(() -> handed.size() == 3);
        assertThat(handed).containsExactly("seq 3", "seq 1004", "seq 1005");
    }

    @Test
    @DisplayName("an event relayed before its predecessor was stored waits until the write behind it lands, then both go in order")
    void predecessorStoredLate() throws Exception {
        opened(2);
        catchUp.received(PHONE, Events.MESSAGES_SYNC, 4L, 3L, packet(4)); // 3 never reached this node; neither is stored yet
        Thread.sleep(150); // at least one read of the log found nothing newer
        assertThat(handed).isEmpty();
        stored(3); // the writes behind them land, in the order they were numbered
        stored(4);
        until(() -> handed.size() == 2);
        assertThat(handed).containsExactly("seq 3", "seq 4");
    }

    @Test
    @DisplayName("an event of a node of the previous version (no predecessor given) counts as following the number before it")
    void withoutPredecessor() {
        opened(2);
        catchUp.received(PHONE, Events.MESSAGES_SYNC, 3L, null, stored(3));
        assertThat(handed).containsExactly("seq 3");
    }
}
