package io.relay.store;

import io.relay.TestConfigs;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class MessageStoreTest {
    @RegisterExtension
    final FreshStorage storage = new FreshStorage();
    private Store store;

    /** The sequence of each device, held as its phone's node would. */
    private final Map<String, SequenceHolder> sequences = new HashMap<>();

    @BeforeEach
    void store() throws Exception {
        store = storage.store();
        // Messages and conversations are stored with their log entry, numbered by the holder of the device's sequence.
        for (String device : List.of("d1", "d2", "other")) {
            sequences.put(device, store.upsertDevice(device, null, null).compose(v -> SequenceHolder.takeOver(store, device))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
        }
    }

    /** The next place in the device's log; a placeholder for a device with no sequence held (its write is refused first). */
    private Store.LogEntry next(String deviceId, String event) {
        SequenceHolder sequence = sequences.get(deviceId);
        return sequence == null ? new Store.LogEntry(event, 1, 1, 0) : sequence.next(event);
    }

    private Future<Void> saveMessages(String deviceId, JsonArray messages) {
        return store.saveMessagesAndLog(deviceId, messages, next(deviceId, "messages:sync"), "{}");
    }

    private Future<Void> saveConversations(String deviceId, JsonArray conversations) {
        return store.saveConversationsAndLog(deviceId, conversations, next(deviceId, "conversations:sync"), "{}");
    }

    /** A status the phone reports on a message of its own (no browser's command to settle). */
    private Future<Void> recordStatus(String deviceId, String messageId, String status) {
        return store.recordStatusAndLog(deviceId, messageId, status, messageId, next(deviceId, "message:status"), "{}");
    }

    private static JsonObject message(String id, long timestamp, String status) {
        return new JsonObject().put("id", id).put("conversationId", "c1").put("phoneNumber", "+15550001")
                .put("body", "hello " + id).put("timestamp", timestamp).put("type", "received").put("status", status).put("read", false);
    }

    @Test
    @DisplayName("A message saved twice with the same id is updated, not duplicated")
    void upsert(VertxTestContext ctx) {
        saveMessages("d1", new JsonArray().add(message("m1", 1000, "sent")))
                .compose(v -> saveMessages("d1", new JsonArray().add(message("m1", 1000, "delivered").put("body", "edited"))))
                .compose(v -> stored("d1"))
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    assertThat(messages).hasSize(1);
                    assertThat(messages.getJsonObject(0).getString("body")).isEqualTo("edited");
                    assertThat(messages.getJsonObject(0).getString("status")).isEqualTo("delivered");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("A document comes back exactly as the phone sent it: same key order, integers stay integers")
    void documentRoundTrip(VertxTestContext ctx) {
        String sent = "{\"z\":1,\"a\":2.5,\"id\":\"m1\",\"timestamp\":1700000000123,\"nested\":{\"y\":[1,2.0,\"x\"],\"b\":null},\"read\":true}";
        saveMessages("d1", new JsonArray().add(new JsonObject(sent)))
                .compose(v -> stored("d1"))
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    assertThat(messages.getJsonObject(0).encode()).isEqualTo(sent);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("Each row stores its document's text as it stands in the event's payload, and the log the payload's; a payload that does not hold them plainly gets them encoded")
    void documentsStoredAsWritten(VertxTestContext ctx) {
        String m1 = "{\"id\":\"m1\", \"n\":1e2, \"price\":2.50, \"body\":\"caf\\u00e9\"}";
        String m2 = "{ \"id\" : \"m2\" }";
        String payload = "{ \"messages\" : [ " + m1 + " ,\n" + m2 + " ] }";
        String c1 = "{\"id\":\"c1\", \"unreadCount\":3e0}";
        JsonObject decoded = new JsonObject(payload);
        store.saveMessagesAndLog("d1", decoded.getJsonArray("messages"), next("d1", "messages:sync"), payload)
                .compose(v -> store.saveConversationsAndLog("d1", new JsonArray().add(new JsonObject(c1)), next("d1", "conversations:sync"),
                        "{\"conversations\":[" + c1 + "]}"))
                // a payload without the messages' texts (a caller that encoded neither): the rows are encoded
                .compose(v -> store.saveMessagesAndLog("d2", new JsonArray().add(new JsonObject(m1)), next("d2", "messages:sync"), "{}"))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    try (var c = storage.connect(); var s = c.createStatement()) {
                        assertThat(texts(s, "SELECT doc::text FROM messages WHERE device_id = 'd1' ORDER BY id")).containsExactly(m1, m2);
                        assertThat(texts(s, "SELECT doc::text FROM conversations WHERE device_id = 'd1'")).containsExactly(c1);
                        assertThat(texts(s, "SELECT payload::text FROM device_events WHERE device_id = 'd1' ORDER BY seq").get(0)).isEqualTo(payload);
                        assertThat(texts(s, "SELECT doc::text FROM messages WHERE device_id = 'd2'"))
                                .containsExactly(new JsonObject(m1).encode());
                    }
                    ctx.completeNow();
                })));
    }

    private static List<String> texts(java.sql.Statement s, String query) throws Exception {
        List<String> texts = new ArrayList<>();
        try (var rows = s.executeQuery(query)) {
            while (rows.next()) {
                texts.add(rows.getString(1));
            }
        }
        return texts;
    }


    @Test
    @DisplayName("A recorded status change overrides the document's status in place, for that device only")
    void statusOverride(VertxTestContext ctx) {
        JsonObject m = new JsonObject("{\"id\":\"m1\",\"status\":\"sending\",\"body\":\"hi\",\"timestamp\":5}");
        saveMessages("d1", new JsonArray().add(m))
                .compose(v -> saveMessages("d2", new JsonArray().add(m)))
                .compose(v -> recordStatus("d1", "m1", "delivered"))
                .compose(v -> recordStatus("d1", "never-stored", "failed"))
                .compose(v -> Future.all(stored("d1"), stored("d2")))
                .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
                    JsonArray d1 = both.resultAt(0);
                    JsonArray d2 = both.resultAt(1);
                    assertThat(d1.getJsonObject(0).encode()).isEqualTo("{\"id\":\"m1\",\"status\":\"delivered\",\"body\":\"hi\",\"timestamp\":5}");
                    assertThat(d1).hasSize(1);
                    assertThat(d2.getJsonObject(0).getString("status")).isEqualTo("sending");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("loadThreads returns each thread's latest N messages by timestamp, oldest first")
    void loadLimitAndOrder(VertxTestContext ctx) {
        JsonArray batch = new JsonArray();
        // Saved out of order, with numeric ids as Android sends them.
        for (int t : new int[]{5, 1, 4, 2, 3}) {
            batch.add(new JsonObject().put("id", t * 10).put("conversationId", "c1").put("timestamp", t * 1000L).put("body", "b" + t));
        }
        saveMessages("d1", batch)
                .compose(v -> store.loadThreads("d1", 10, 3))
                .onComplete(ctx.succeeding(threads -> ctx.verify(() -> {
                    assertThat(threads).hasSize(1);
                    List<Object> ids = new ArrayList<>();
                    threads.get(0).forEach(m -> ids.add(((JsonObject) m).getValue("id")));
                    assertThat(ids).containsExactly(30, 40, 50);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("loadThreads files messages as the web app does (conversationId, else phone number, else together) and keeps the most recently active threads first")
    void threads(VertxTestContext ctx) {
        JsonArray batch = new JsonArray()
                .add(new JsonObject().put("id", "a1").put("conversationId", "A").put("phoneNumber", "+1").put("timestamp", 100))
                .add(new JsonObject().put("id", "b1").put("conversationId", "B").put("phoneNumber", "+2").put("timestamp", 200))
                .add(new JsonObject().put("id", "a2").put("conversationId", "A").put("phoneNumber", "+1").put("timestamp", 300))
                .add(new JsonObject().put("id", "n1").put("phoneNumber", "+3").put("timestamp", 150))
                .add(new JsonObject().put("id", "n2").put("phoneNumber", "+3").put("timestamp", 50))
                .add(new JsonObject().put("id", "c1").put("conversationId", 7).put("timestamp", 10))
                .add(new JsonObject().put("id", "z2").put("timestamp", 5)) // neither: a thread of their own
                .add(new JsonObject().put("id", "z1").put("timestamp", 4));
        saveMessages("d1", batch)
                .compose(v -> saveMessages("d2", new JsonArray().add(new JsonObject().put("id", "x").put("conversationId", "A").put("timestamp", 999))))
                .compose(v -> Future.all(store.loadThreads("d1", 10, 10), store.loadThreads("d1", 2, 10)))
                .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
                    List<JsonArray> all = both.resultAt(0);
                    assertThat(ids(all)).containsExactly(List.of("a1", "a2"), List.of("b1"), List.of("n2", "n1"), List.of("c1"), List.of("z1", "z2"));
                    List<JsonArray> latestTwo = both.resultAt(1);
                    assertThat(ids(latestTwo)).containsExactly(List.of("a1", "a2"), List.of("b1"));
                    ctx.completeNow();
                })));
    }

    private static List<List<Object>> ids(List<JsonArray> threads) {
        return threads.stream().map(t -> t.stream().map(m -> ((JsonObject) m).getValue("id")).toList()).toList();
    }

    /** Every stored message of the device, thread after thread. */
    private Future<JsonArray> stored(String deviceId) {
        return store.loadThreads(deviceId, Store.MAX_LOAD, Store.MAX_LOAD).map(threads -> {
            JsonArray all = new JsonArray();
            threads.forEach(all::addAll);
            return all;
        });
    }

    @Test
    @DisplayName("loadConversations returns the device's conversations, most recent first")
    void conversationsOrder(VertxTestContext ctx) {
        JsonArray conversations = new JsonArray()
                .add(new JsonObject().put("id", "old").put("phoneNumber", "+1").put("lastMessage", "a").put("lastMessageTime", 100).put("unreadCount", 0))
                .add(new JsonObject().put("id", "new").put("phoneNumber", "+2").put("contactName", "Ann").put("lastMessage", "b").put("lastMessageTime", 300).put("unreadCount", 2))
                .add(new JsonObject().put("id", "mid").put("phoneNumber", "+3").put("lastMessage", "c").put("lastMessageTime", 200).put("unreadCount", 1));
        saveConversations("d1", conversations)
                .compose(v -> saveConversations("d1", new JsonArray().add(conversations.getJsonObject(0).copy().put("lastMessageTime", 400))))
                .compose(v -> saveConversations("other", new JsonArray().add(new JsonObject().put("id", "x"))))
                .compose(v -> store.loadConversations("d1"))
                .onComplete(ctx.succeeding(loaded -> ctx.verify(() -> {
                    List<String> ids = new ArrayList<>();
                    loaded.forEach(c -> ids.add(((JsonObject) c).getString("id")));
                    assertThat(ids).containsExactly("old", "new", "mid");
                    assertThat(loaded.getJsonObject(1).encode()).isEqualTo(conversations.getJsonObject(1).encode());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("A batch of 5000 messages is stored in one go; a repeated id within it keeps the last one")
    void largeBatch(VertxTestContext ctx) {
        JsonArray batch = new JsonArray();
        IntStream.range(0, Store.MAX_BATCH - 1).forEach(i -> batch.add(new JsonObject().put("id", "m" + i).put("timestamp", i)));
        batch.add(new JsonObject().put("id", "m0").put("timestamp", 1_000_000).put("body", "last wins"));
        saveMessages("d1", batch)
                .compose(v -> stored("d1"))
                .onComplete(ctx.succeeding(messages -> ctx.verify(() -> {
                    assertThat(messages).hasSize(Store.MAX_BATCH - 1);
                    assertThat(messages.getJsonObject(messages.size() - 1).getString("body")).isEqualTo("last wins");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("A batch with a missing, empty or wrongly typed id is refused with 400 and nothing is written")
    void badBatches(VertxTestContext ctx) {
        JsonObject good = message("ok", 1, "sent");
        List<JsonArray> bad = List.of(
                new JsonArray().add(good).add(new JsonObject().put("body", "no id")),
                new JsonArray().add(good).add(new JsonObject().put("id", "")),
                new JsonArray().add(good).add(new JsonObject().put("id", true)),
                new JsonArray().add(good).add("not an object"),
                new JsonArray().add(good).add(new JsonObject().put("id", "x".repeat(300))));
        JsonArray tooMany = new JsonArray();
        IntStream.range(0, Store.MAX_BATCH + 1).forEach(i -> tooMany.add(new JsonObject().put("id", "m" + i)));

        List<Future<Object>> attempts = new ArrayList<>();
        bad.forEach(batch -> attempts.add(codeOf(saveMessages("d1", batch))));
        attempts.add(codeOf(saveMessages("d1", tooMany)));
        attempts.add(codeOf(saveMessages("", new JsonArray().add(good))));
        attempts.add(codeOf(saveConversations("d1", new JsonArray().add(new JsonObject().put("id", "c1")).add(new JsonObject()))));
        attempts.add(codeOf(store.loadThreads("d1", 0, 10)));
        attempts.add(codeOf(store.loadThreads("d1", 10, 0)));
        Future.all(attempts)
                .compose(codes -> Future.all(stored("d1"), store.loadConversations("d1"), store.lastSeq("d1")).map(loaded -> {
                    ctx.verify(() -> {
                        assertThat(codes.<Object>list()).containsOnly(FailureReason.INVALID_DATA);
                        assertThat((JsonArray) loaded.resultAt(0)).isEmpty();
                        assertThat((JsonArray) loaded.resultAt(1)).isEmpty();
                        assertThat((Long) loaded.resultAt(2)).as("nothing logged").isZero();
                    });
                    return loaded;
                }))
                .onComplete(ctx.succeedingThenComplete());
    }

    /** {@code "ok"}, or the reason of the {@link StoreException} it failed with. */
    private static Future<Object> codeOf(Future<?> attempt) {
        return attempt.transform(ar -> Future.succeededFuture(ar.succeeded() ? "ok"
                : ar.cause() instanceof StoreException e ? e.reason() : ar.cause()));
    }
}
