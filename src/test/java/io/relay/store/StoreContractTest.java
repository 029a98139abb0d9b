package io.relay.store;

import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the relay counts on from a {@link Store}, played against PostgreSQL and against the
 * {@link InMemoryStore} the relay's unit tests use instead, so that the two cannot drift apart.
 */
@DisplayName("The store contract")
class StoreContractTest {

    @Nested
    @DisplayName("on PostgreSQL")
    class OnPostgres extends Contract {
        @RegisterExtension
        final FreshStorage storage = new FreshStorage();

        @Override
        Store store() {
            return storage.store();
        }

        @Test
        @DisplayName("forgetting a device leaves no row of it in any table that has a device_id column")
        void forgetsEveryTable() throws Exception {
            Store store = store();
            leaveTraces(store, "gone");
            try (Connection c = storage.connect()) {
                assertThat(rowsOf(c, "gone")).as("the scenario leaves a row of it in each: a new table must be added to it")
                        .containsKeys("devices", "sessions", "pairing_tokens", "messages").doesNotContainValue(0L);
                await(store.forgetDevice("gone"));
                assertThat(rowsOf(c, "gone").values()).containsOnly(0L);
            }
        }

        @Test
        @DisplayName("a takeover records the device as upsertDevice does: a name or model not given is kept, one given replaces it")
        void takeOverRecordsTheDevice() throws Exception {
            Store store = store();
            await(store.takeOverSeq("named", "Pixel", "Pixel 8", 10));
            await(store.takeOverSeq("named", null, "Pixel 9", 10));
            try (Connection c = storage.connect();
                 PreparedStatement read = c.prepareStatement("SELECT device_name, device_model, last_seen IS NOT NULL FROM devices WHERE device_id = ?")) {
                read.setString(1, "named");
                try (ResultSet row = read.executeQuery()) {
                    assertThat(row.next()).isTrue();
                    assertThat(row.getString(1)).isEqualTo("Pixel");
                    assertThat(row.getString(2)).isEqualTo("Pixel 9");
                    assertThat(row.getBoolean(3)).as("last seen").isTrue();
                }
            }
        }

        /** How many rows of the device each table with a device_id column holds, by table. */
        private static Map<String, Long> rowsOf(Connection c, String deviceId) throws Exception {
            Map<String, Long> rows = new LinkedHashMap<>();
            try (PreparedStatement tables = c.prepareStatement("""
                    SELECT table_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND column_name = 'device_id' ORDER BY table_name""");
                 ResultSet names = tables.executeQuery()) {
                while (names.next()) {
                    String table = names.getString(1);
                    try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE device_id = ?")) {
                        count.setString(1, deviceId);
                        try (ResultSet n = count.executeQuery()) {
                            n.next();
                            rows.put(table, n.getLong(1));
                        }
                    }
                }
            }
            return rows;
        }
    }

    @Nested
    @DisplayName("in memory")
    class InMemory extends Contract {
        private final Store store = new InMemoryStore();

        @Override
        Store store() {
            return store;
        }
    }

    abstract static class Contract {
        abstract Store store();

        static <T> T await(Future<T> future) throws Exception {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }

        static StoreException refusal(Future<?> future) {
            Throwable[] failure = new Throwable[1];
            assertThatThrownBy(() -> await(future)).satisfies(e -> failure[0] = e.getCause());
            assertThat(failure[0]).isInstanceOf(StoreException.class);
            return (StoreException) failure[0];
        }

        static byte[] hash(String secret) throws Exception {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        }

        static JsonObject message(String id, String conversationId, long timestamp, String status) {
            JsonObject m = new JsonObject().put("id", id).put("conversationId", conversationId).put("body", "text " + id)
                    .put("timestamp", timestamp);
            return status == null ? m : m.put("status", status);
        }

        /** A place in the log of a device whose sequence this test never took over (or that has no row). */
        static Store.LogEntry unheld(String event) {
            return new Store.LogEntry(event, 1, 1, 0);
        }

        /** Each logged event as "seq after prev". */
        static List<String> numbers(JsonArray events) {
            return events.stream().map(e -> ((JsonObject) e).getLong("seq") + " after " + ((JsonObject) e).getLong("prev")).toList();
        }

        static List<String> ids(JsonArray docs) {
            return docs.stream().map(d -> ((JsonObject) d).getString("id")).toList();
        }

        /**
         * Leaves a row of the device in every table, through the store as the relay would: registered with a secret, paired
         * (a session), messages and conversations logged, a command queued. Answers its pairing.
         */
        static Store.PairingToken leaveTraces(Store store, String deviceId) throws Exception {
            await(store.issueDeviceSecret(deviceId, hash(deviceId)));
            Instant later = Instant.now().plus(Duration.ofMinutes(5));
            await(store.createPairingToken(UUID.randomUUID().toString(), UUID.randomUUID().toString(), hash("qr of " + deviceId), later));
            Store.PairingToken pairing = await(store.redeemPairingToken(hash("qr of " + deviceId), deviceId, UUID.randomUUID().toString(), later))
                    .orElseThrow();
            SequenceHolder held = await(SequenceHolder.takeOver(store, deviceId));
            await(store.saveMessagesAndLog(deviceId, new JsonArray().add(message("m1", "c1", 1, null)), held.next("messages:sync"), "{}"));
            await(store.saveConversationsAndLog(deviceId, new JsonArray().add(new JsonObject().put("id", "c1")), held.next("conversations:sync"), "{}"));
            await(store.enqueueCommand(deviceId, "k1", "send:message", new JsonObject()));
            return pairing;
        }

        /** What the store still answers of a device, by name. */
        static List<String> tracesOf(Store store, String deviceId, Store.PairingToken pairing) throws Exception {
            Map<String, Boolean> found = new LinkedHashMap<>();
            found.put("credential", await(store.findDeviceCredential(deviceId)).isPresent());
            found.put("pairing", await(store.findPairingToken(pairing.token())).isPresent());
            found.put("session", await(store.findSession(pairing.sessionId())).isPresent());
            found.put("live sessions", !await(store.listSessions(deviceId)).isEmpty());
            found.put("messages", !await(store.loadThreads(deviceId, 10, 10)).isEmpty());
            found.put("conversations", !await(store.loadConversations(deviceId)).isEmpty());
            found.put("log", !await(store.eventsSince(deviceId, 0, 10)).isEmpty());
            found.put("last seq", await(store.lastSeq(deviceId)) > 0);
            found.put("commands", !await(store.openCommands(deviceId, true)).isEmpty());
            return found.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        }

        @Test
        @DisplayName("logs each device's events under the numbers its holder gave, reads them back in order from a point with the number before each, and starts at 0")
        void log() throws Exception {
            Store store = store();
            await(Future.all(store.upsertDevice("a", "Pixel", "8"), store.upsertDevice("b", null, null)));
            assertThat(await(store.lastSeq("a"))).isZero();
            SequenceHolder a = await(SequenceHolder.takeOver(store, "a")), b = await(SequenceHolder.takeOver(store, "b"));
            List<Future<Void>> appends = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                appends.add(i % 3 == 0 ? store.saveConversationsAndLog("b", new JsonArray(), b.next("e"), new JsonObject().put("n", i).encode())
                        : store.saveMessagesAndLog("a", new JsonArray().add(message("m" + i, "c1", i, null)), a.next("messages:sync"),
                        new JsonObject().put("n", i).encode()));
            }
            await(Future.all(appends));
            assertThat(await(store.lastSeq("a"))).isEqualTo(8);
            assertThat(await(store.lastSeq("b"))).isEqualTo(4);
            assertThat(await(store.lastSeq("nobody"))).isZero();
            // Every third call was b's: a's sixth and seventh events were the calls n = 8 and n = 10.
            JsonArray expectedTail = new JsonArray()
                    .add(new JsonObject().put("seq", 6L).put("prev", 5L).put("event", "messages:sync").put("payload", new JsonObject().put("n", 8)))
                    .add(new JsonObject().put("seq", 7L).put("prev", 6L).put("event", "messages:sync").put("payload", new JsonObject().put("n", 10)));
            assertThat(await(store.eventsSince("a", 5, 2)).encode()).isEqualTo(expectedTail.encode());
            assertThat(await(store.eventsSince("a", 8, 10))).isEmpty();

            assertThat(refusal(store.saveMessagesAndLog("a", new JsonArray().add(message("again", "c1", 1, null)),
                    new Store.LogEntry("messages:sync", a.epoch(), 3, 2), "{}")).reason()).as("a number logged already")
                    .isEqualTo(FailureReason.INVALID_DATA);
            assertThat(await(store.loadThreads("a", 10, 10)).get(0).stream().map(m -> ((JsonObject) m).getString("id")))
                    .as("nothing of that write is stored").doesNotContain("again");
        }

        @Test
        @DisplayName("a takeover starts a new epoch with a block past every number reserved or stored: epoch 1 from 1 on a device "
                + "without a row, which it makes, the next one past the first block, naming the highest number stored; a bad size "
                + "writes nothing")
        void takeOver() throws Exception {
            Store store = store();
            assertThat(await(store.takeOverSeq("d", "Pixel", "Pixel 8", 10))).isEqualTo(new Store.SeqBlock(1, 0, 1, 10));
            for (long seq = 1; seq <= 3; seq++) {
                await(store.saveMessagesAndLog("d", new JsonArray(), new Store.LogEntry("messages:sync", 1, seq, seq - 1), "{}"));
            }
            assertThat(await(store.takeOverSeq("d", null, null, 10))).as("past the whole first block, though only 3 of its numbers were stored")
                    .isEqualTo(new Store.SeqBlock(2, 3, 11, 20));
            assertThat(refusal(store.takeOverSeq("e", "Pixel", null, 0))).hasMessage("size must be an integer from 1 to " + Store.MAX_LOAD);
            assertThat(await(store.takeOverSeq("e", null, null, 10))).as("the refused one wrote no row: this is its first epoch")
                    .isEqualTo(new Store.SeqBlock(1, 0, 1, 10));
        }

        @Test
        @DisplayName("an append numbered from a sequence taken over since is refused as superseded and not logged (its messages, whose "
                + "rows are its log entry, are not stored either, and the phone sends them again; its conversations are stored all the same), "
                + "while the new holder's appends are logged")
        void supersededAppend() throws Exception {
            Store store = store();
            await(store.upsertDevice("d", null, null));
            SequenceHolder old = await(SequenceHolder.takeOver(store, "d"));
            await(store.saveMessagesAndLog("d", new JsonArray().add(message("m1", "c1", 1, null)), old.next("messages:sync"), "{}"));
            SequenceHolder current = await(SequenceHolder.takeOver(store, "d"));

            assertThat(refusal(store.saveMessagesAndLog("d", new JsonArray().add(message("m2", "c1", 2, null)), old.next("messages:sync"), "{}"))
                    .reason()).isEqualTo(FailureReason.SUPERSEDED);
            assertThat(refusal(store.saveConversationsAndLog("d", new JsonArray().add(new JsonObject().put("id", "c1")),
                    old.next("conversations:sync"), "{}")).reason()).isEqualTo(FailureReason.SUPERSEDED);
            assertThat(refusal(store.recordStatusAndLog("d", "m1", "delivered", "m1", old.next("message:status"), "{}")).reason())
                    .isEqualTo(FailureReason.SUPERSEDED);
            Store.LogEntry next = current.next("messages:sync");
            await(store.saveMessagesAndLog("d", new JsonArray().add(message("m3", "c1", 3, null)), next, "{}"));

            assertThat(numbers(await(store.eventsSince("d", 0, 10)))).as("only the current holder's appends after the takeover")
                    .containsExactly("1 after 0", next.seq() + " after 1");
            assertThat(await(store.lastSeq("d"))).isEqualTo(next.seq());
            assertThat(ids(await(store.loadThreads("d", 10, 10)).get(0))).containsExactly("m1", "m3");
            assertThat(ids(await(store.loadConversations("d")))).containsExactly("c1");
        }

        @Test
        @DisplayName("refuses to log for a device never registered, as superseded (no sequence of it is held), and stores none of its messages")
        void unknownDeviceLog() throws Exception {
            Store store = store();
            StoreException refused = refusal(store.saveMessagesAndLog("ghost", new JsonArray().add(message("m1", "c1", 1, null)),
                    unheld("messages:sync"), "{}"));
            assertThat(refused.reason()).isEqualTo(FailureReason.SUPERSEDED);
            assertThat(refusal(store.saveConversationsAndLog("ghost", new JsonArray(), unheld("e"), "{}")).reason()).as("an event alone")
                    .isEqualTo(FailureReason.SUPERSEDED);
            assertThat(await(store.loadThreads("ghost", 10, 10))).isEmpty();
            assertThat(await(store.lastSeq("ghost"))).isZero();
            assertThat(await(store.eventsSince("ghost", 0, 10))).isEmpty();
        }

        @Test
        @DisplayName("extending a block goes on right after it for the current holder, and is refused as superseded for a holder whose sequence was taken over")
        void extend() throws Exception {
            Store store = store();
            await(store.upsertDevice("d", null, null));
            Store.SeqBlock first = await(store.takeOverSeq("d", null, null, 10));
            assertThat(await(store.extendSeq("d", first.epoch(), 5))).isEqualTo(15);
            Store.SeqBlock second = await(store.takeOverSeq("d", null, null, 10));
            assertThat(second.from()).as("past the extension").isEqualTo(16);

            assertThat(refusal(store.extendSeq("d", first.epoch(), 5)).reason()).isEqualTo(FailureReason.SUPERSEDED);
            assertThat(await(store.extendSeq("d", second.epoch(), 5))).as("right after its block").isEqualTo(second.to() + 5);
            assertThat(await(store.takeOverSeq("d", null, null, 10)).from()).as("past everything reserved").isEqualTo(second.to() + 6);
            assertThat(refusal(store.extendSeq("nobody", 1, 5)).reason()).isEqualTo(FailureReason.SUPERSEDED);
        }

        @Test
        @DisplayName("a holder giving back what it did not hand out lets the next takeover go on right after its last number, "
                + "without a skip; a release by a holder whose sequence was taken over changes nothing")
        void release() throws Exception {
            Store store = store();
            await(store.upsertDevice("d", null, null));
            SequenceHolder first = await(SequenceHolder.takeOver(store, "d"));
            Store.LogEntry last = null;
            for (int i = 0; i < 3; i++) {
                last = first.next("messages:sync");
                await(store.saveMessagesAndLog("d", new JsonArray(), last, "{}"));
            }
            await(store.releaseSeq("d", first.epoch(), last.seq()));

            SequenceHolder second = await(SequenceHolder.takeOver(store, "d"));
            assertThat(second.block()).isEqualTo(new Store.SeqBlock(2, 3, 4, 3 + SequenceHolder.BLOCK));
            await(store.saveMessagesAndLog("d", new JsonArray(), second.next("messages:sync"), "{}"));
            assertThat(numbers(await(store.eventsSince("d", 0, 10)))).containsExactly("1 after 0", "2 after 1", "3 after 2", "4 after 3");

            await(store.releaseSeq("d", first.epoch(), last.seq()));
            assertThat(await(store.takeOverSeq("d", null, null, 10)).from()).as("past the second holder's block, not after the stale release's number")
                    .isEqualTo(second.block().to() + 1);
        }

        @Test
        @DisplayName("reads back, with each event, the number logged before it: numbers reserved by a holder that never stored them "
                + "are skipped, and the next event names the last one stored")
        void skippedNumbers() throws Exception {
            Store store = store();
            await(store.upsertDevice("d", null, null));
            SequenceHolder gone = await(SequenceHolder.takeOver(store, "d"));
            await(store.saveMessagesAndLog("d", new JsonArray(), gone.next("messages:sync"), "{}"));
            await(store.saveMessagesAndLog("d", new JsonArray(), gone.next("messages:sync"), "{}"));
            // Its node dies here: the rest of its block is neither stored nor given back.
            SequenceHolder next = await(SequenceHolder.takeOver(store, "d"));
            assertThat(next.block().stored()).isEqualTo(2);
            assertThat(next.block().from()).isEqualTo(SequenceHolder.BLOCK + 1);
            await(store.saveMessagesAndLog("d", new JsonArray(), next.next("messages:sync"), "{}"));
            await(store.saveConversationsAndLog("d", new JsonArray(), next.next("conversations:sync"), "{}"));

            long skippedTo = SequenceHolder.BLOCK + 1;
            assertThat(numbers(await(store.eventsSince("d", 0, 10))))
                    .containsExactly("1 after 0", "2 after 1", skippedTo + " after 2", (skippedTo + 1) + " after " + skippedTo);
            assertThat(numbers(await(store.eventsSince("d", 2, 1)))).as("a reader that has 2 learns nothing is missing")
                    .containsExactly(skippedTo + " after 2");
            assertThat(await(store.lastSeq("d"))).isEqualTo(skippedTo + 1);
        }

        @Test
        @DisplayName("forgets every row of a device (credential, pairing, sessions, messages, conversations, log, commands) and nothing of another's")
        void forgetDevice() throws Exception {
            Store store = store();
            Store.PairingToken gone = leaveTraces(store, "gone"), kept = leaveTraces(store, "kept");
            List<String> everything = List.of("credential", "pairing", "session", "live sessions", "messages", "conversations", "log",
                    "last seq", "commands");
            assertThat(tracesOf(store, "gone", gone)).isEqualTo(everything);

            await(store.forgetDevice("gone"));
            assertThat(tracesOf(store, "gone", gone)).isEmpty();
            assertThat(tracesOf(store, "kept", kept)).isEqualTo(everything);
        }

        @Test
        @DisplayName("forgetting a device never stored succeeds, as does forgetting one twice; a forgotten deviceId is new again: "
                + "issued a fresh secret, its sequence from epoch 1")
        void forgetUnknownDevice() throws Exception {
            Store store = store();
            await(store.forgetDevice("nobody"));
            leaveTraces(store, "gone");
            await(store.forgetDevice("gone"));
            await(store.forgetDevice("gone"));
            assertThat(await(store.issueDeviceSecret("gone", hash("again")))).isTrue();
            assertThat(await(store.takeOverSeq("gone", null, null, 10))).isEqualTo(new Store.SeqBlock(1, 0, 1, 10));
        }

        @Test
        @DisplayName("refuses bad arguments as bad requests in the same words")
        void badArguments() throws Exception {
            Store store = store();
            assertThat(refusal(store.upsertDevice("", null, null))).hasMessage("deviceId must be a non-empty string")
                    .extracting(StoreException::reason).isEqualTo(FailureReason.INVALID_DATA);
            assertThat(refusal(store.saveMessagesAndLog("d", new JsonArray().add(new JsonObject().put("body", "no id")), unheld("messages:sync"), "{}")))
                    .hasMessage("messages[0].id must be a non-empty string or a number");
            assertThat(refusal(store.saveMessagesAndLog("d", new JsonArray(), null, "{}"))).hasMessage("entry must be given");
            assertThat(refusal(store.saveMessagesAndLog("d", new JsonArray(), new Store.LogEntry("messages:sync", 1, 4, 4), "{}")))
                    .hasMessage("entry must have 0 <= prev < seq");
            assertThat(refusal(store.recordStatusAndLog("d", "m", "sent", "m", new Store.LogEntry("", 1, 1, 0), "{}")))
                    .hasMessage("event must be a non-empty string");
            assertThat(refusal(store.eventsSince("d", 0, 0))).hasMessage("limit must be an integer from 1 to " + Store.MAX_LOAD);
            assertThat(refusal(store.enqueueCommand("d", "k", "send:message", null))).hasMessage("payload must be an object");
            assertThat(refusal(store.forgetDevice(""))).hasMessage("deviceId must be a non-empty string");
        }

        @Test
        @DisplayName("reads a messages event back as the phone sent it, whether the store keeps it as its messages' rows ({\"messages\":[...]} "
                + "exactly) or as its payload (anything else); a message sent again is in each event that carried it, and the later one is the "
                + "message as it stands, with the status reported before when it brings none")
        void messagesEventsReadBackAsSent() throws Exception {
            Store store = store();
            await(store.upsertDevice("d", null, null));
            SequenceHolder d = await(SequenceHolder.takeOver(store, "d"));
            String m1 = "{\"id\":\"m1\",\"conversationId\":\"c1\",\"timestamp\":10,\"status\":\"sent\",\"body\":\"first\"}";
            String m2 = "{\"id\":\"m2\",\"conversationId\":\"c1\",\"timestamp\":20,\"body\":\"\\u00e9t\\u00e9 \\\"quoted\\\"\"}";
            String m1Edited = "{\"id\":\"m1\",\"conversationId\":\"c1\",\"timestamp\":10,\"body\":\"edited\"}";
            String m3 = "{\"id\":\"m3\",\"conversationId\":\"c1\",\"timestamp\":30}";
            List<String> payloads = List.of(
                    "{\"messages\":[" + m1 + "," + m2 + "]}",
                    "{\"messages\": [" + m1Edited + "], \"page\":2}", // white space and another member: kept as sent
                    "{\"messages\":[" + m2 + "," + m3 + "]}");
            List<Store.LogEntry> entries = new ArrayList<>();
            for (String payload : payloads) {
                Store.LogEntry entry = d.next("messages:sync");
                entries.add(entry);
                await(store.saveMessagesAndLog("d", new JsonObject(payload).getJsonArray("messages"), entry, payload));
            }

            JsonArray log = await(store.eventsSince("d", 0, 10));
            assertThat(numbers(log)).containsExactly("1 after 0", "2 after 1", "3 after 2");
            for (int i = 0; i < payloads.size(); i++) {
                assertThat(log.getJsonObject(i).getString("event")).isEqualTo("messages:sync");
                assertThat(log.getJsonObject(i).getJsonObject("payload").encode()).as("event %d", i + 1)
                        .isEqualTo(new JsonObject(payloads.get(i)).encode());
            }
            JsonArray thread = await(store.loadThreads("d", 5, 10)).get(0);
            assertThat(ids(thread)).as("each message once").containsExactly("m1", "m2", "m3");
            assertThat(thread.getJsonObject(0).getString("body")).isEqualTo("edited");
            assertThat(thread.getJsonObject(0).getString("status")).as("reported before, not brought again").isEqualTo("sent");
            assertThat(thread.getJsonObject(1).getString("body")).isEqualTo("\u00e9t\u00e9 \"quoted\"");

            Store.LogEntry taken = new Store.LogEntry("messages:sync", entries.get(2).epoch(), entries.get(2).seq(), entries.get(1).seq());
            assertThat(refusal(store.saveMessagesAndLog("d", new JsonArray().add(new JsonObject(m3).put("id", "m4")), taken,
                    "{\"messages\":[" + new JsonObject(m3).put("id", "m4").encode() + "]}")).reason()).as("a number stored already")
                    .isEqualTo(FailureReason.INVALID_DATA);
            assertThat(ids(await(store.loadThreads("d", 5, 10)).get(0))).doesNotContain("m4");

            String m5 = "{\"messages\":[" + new JsonObject(m3).put("id", "m5").encode() + "]}";
            await(store.saveMessagesAndLog("d", new JsonObject(m5).getJsonArray("messages"), d.next("messages:other"), m5));
            JsonObject other = await(store.eventsSince("d", 3, 10)).getJsonObject(0);
            assertThat(other.getString("event")).as("an event of another name keeps it").isEqualTo("messages:other");
            assertThat(other.getJsonObject("payload").encode()).isEqualTo(new JsonObject(m5).encode());
        }

        @Test
        @DisplayName("keeps the latest document per message id and the last status reported; loads threads most recent first, each its latest messages oldest first")
        void threads() throws Exception {
            Store store = store();
            await(store.upsertDevice("d", null, null));
            SequenceHolder d = await(SequenceHolder.takeOver(store, "d"));
            await(store.saveMessagesAndLog("d", new JsonArray().add(message("1", "old", 10, "sent")).add(message("2", "new", 20, null))
                    .add(message("3", "new", 30, null)).add(message("4", "new", 40, null)), d.next("messages:sync"), "{}"));
            await(store.saveMessagesAndLog("d", new JsonArray().add(message("1", "old", 10, null).put("body", "edited")), d.next("messages:sync"), "{}"));
            await(store.recordStatusAndLog("d", "3", "delivered", "3", d.next("message:status"), "{}"));
            await(store.recordStatusAndLog("d", "never-stored", "delivered", "never-stored", d.next("message:status"), "{}"));
            List<JsonArray> threads = await(store.loadThreads("d", 5, 2));
            assertThat(threads).hasSize(2);
            assertThat(threads.get(0).stream().map(m -> ((JsonObject) m).getString("id")).toList()).containsExactly("3", "4");
            assertThat(threads.get(0).getJsonObject(0).getString("status")).isEqualTo("delivered");
            assertThat(threads.get(1).getJsonObject(0).getString("body")).isEqualTo("edited");
            assertThat(threads.get(1).getJsonObject(0).getString("status")).as("kept from before").isEqualTo("sent");
            assertThat(await(store.loadThreads("d", 1, 5))).hasSize(1);

            await(store.saveConversationsAndLog("d", new JsonArray().add(new JsonObject().put("id", "old").put("lastMessageTime", 10))
                    .add(new JsonObject().put("id", "new").put("lastMessageTime", 40).put("unreadCount", 2)), d.next("conversations:sync"), "{}"));
            assertThat(await(store.loadConversations("d")).stream().map(c -> ((JsonObject) c).getString("id")).toList())
                    .containsExactly("new", "old");
        }

        @Test
        @DisplayName("stores a conversation list with its log entry, and a status with the command it settles and its log entry, each in one call under the number given")
        void eventsStoredWithTheirLogEntry() throws Exception {
            Store store = store();
            await(store.upsertDevice("t", null, null));
            SequenceHolder t = await(SequenceHolder.takeOver(store, "t"));
            await(store.saveMessagesAndLog("t", new JsonArray().add(message("m1", "c1", 1, null)), t.next("messages:sync"), "{}"));
            await(store.enqueueCommand("t", "temp-1", "send:message", new JsonObject()));
            await(store.saveConversationsAndLog("t", new JsonArray().add(new JsonObject().put("id", "c1").put("phoneNumber", "+1")),
                    t.next("conversations:sync"), new JsonObject().put("k", 1).encode()));
            await(store.recordStatusAndLog("t", "m1", "delivered", "temp-1", t.next("message:status"), new JsonObject().put("k", 2).encode()));
            assertThat(await(store.eventsSince("t", 0, 10)).stream().map(e -> ((JsonObject) e).getLong("seq") + " " + ((JsonObject) e).getString("event")
                    + " " + ((JsonObject) e).getJsonObject("payload").encode()).toList())
                    .containsExactly("1 messages:sync {}", "2 conversations:sync {\"k\":1}", "3 message:status {\"k\":2}");
            assertThat(await(store.loadConversations("t")).getJsonObject(0).getString("id")).isEqualTo("c1");
            assertThat(await(store.loadThreads("t", 10, 10)).get(0).getJsonObject(0).getString("status")).isEqualTo("delivered");
            assertThat(await(store.openCommands("t", true))).as("the command is settled").isEmpty();
            assertThat(refusal(store.saveConversationsAndLog("ghost", new JsonArray(), unheld("conversations:sync"), "{}")).reason())
                    .isEqualTo(FailureReason.SUPERSEDED);
        }

        @Test
        @DisplayName("queues a command once per key, hands it to one hand-over attempt (again to the same one, or to redeliver), and never after it is done")
        void outbox() throws Exception {
            Store store = store();
            JsonObject payload = new JsonObject().put("phoneNumber", "+1").put("message", "hi");
            assertThat(await(store.enqueueCommand("d", "k1", "send:message", payload))).isTrue();
            assertThat(await(store.enqueueCommand("d", "k1", "send:message", payload.copy().put("message", "twice")))).isFalse();
            assertThat(await(store.enqueueCommand("d", "k2", "send:message", payload))).isTrue();
            assertThat(await(store.openCommands("d", false)).stream().map(c -> ((JsonObject) c).getString("key")).toList())
                    .containsExactly("k1", "k2");

            String first = UUID.randomUUID().toString(), second = UUID.randomUUID().toString();
            JsonObject handed = await(store.claimCommand("d", "k1", first, false)).orElseThrow();
            assertThat(handed).isEqualTo(new JsonObject().put("key", "k1").put("event", "send:message").put("payload", payload));
            assertThat(await(store.claimCommand("d", "k1", second, false))).as("another attempt").isEmpty();
            assertThat(await(store.claimCommand("d", "k1", first, false))).as("the same attempt again").isPresent();
            assertThat(await(store.claimCommand("d", "k1", second, true))).as("redelivered").isPresent();
            assertThat(await(store.claimCommand("d", "unknown", first, false))).isEmpty();
            assertThat(await(store.openCommands("d", false)).stream().map(c -> ((JsonObject) c).getString("key")).toList())
                    .containsExactly("k2");
            assertThat(await(store.openCommands("d", true))).hasSize(2);

            await(store.confirmCommand("d", "k1"));
            assertThat(await(store.claimCommand("d", "k1", second, true))).as("done").isEmpty();
            assertThat(await(store.openCommands("d", true))).hasSize(1);

            JsonArray expired = await(store.expireCommands(Instant.now().plusSeconds(60)));
            assertThat(expired).containsExactly(new JsonObject().put("deviceId", "d").put("key", "k2").put("event", "send:message"));
            assertThat(await(store.expireCommands(Instant.now().plusSeconds(60)))).as("each once").isEmpty();
            assertThat(await(store.claimCommand("d", "k2", first, true))).as("expired").isEmpty();
            assertThat(await(store.openCommands("d", true))).isEmpty();
        }

        @Test
        @DisplayName("delivers a command straight to an online phone in one write: handed over by that attempt, once per key, and pending behind older pending commands")
        void deliverStraight() throws Exception {
            Store store = store();
            JsonObject payload = new JsonObject().put("phoneNumber", "+1").put("message", "hi");
            String first = UUID.randomUUID().toString(), second = UUID.randomUUID().toString();
            assertThat(await(store.deliverCommand("d", "k1", "send:message", payload, first))).isEqualTo(Store.Delivery.DELIVERED);
            assertThat(await(store.openCommands("d", false))).as("not pending: already handed over").isEmpty();
            assertThat(await(store.openCommands("d", true)).getJsonObject(0))
                    .isEqualTo(new JsonObject().put("key", "k1").put("event", "send:message").put("payload", payload));
            assertThat(await(store.claimCommand("d", "k1", second, false))).as("another attempt").isEmpty();
            assertThat(await(store.claimCommand("d", "k1", first, false))).as("the attempt that delivered it, whose outcome was unsure")
                    .isPresent();

            assertThat(await(store.deliverCommand("d", "k1", "send:message", payload.copy().put("message", "again"), second)))
                    .as("a retried send").isEqualTo(Store.Delivery.DUPLICATE);
            assertThat(await(store.enqueueCommand("d", "k1", "send:message", payload))).as("queued by key after it").isFalse();
            assertThat(await(store.openCommands("d", true)).getJsonObject(0).getJsonObject("payload")).isEqualTo(payload);

            assertThat(await(store.enqueueCommand("d", "k2", "send:message", payload))).isTrue();
            assertThat(await(store.deliverCommand("d", "k3", "mark:read", new JsonObject().put("conversationId", "c"), first)))
                    .as("behind a pending command").isEqualTo(Store.Delivery.QUEUED);
            assertThat(await(store.openCommands("d", false)).stream().map(c -> ((JsonObject) c).getString("key")).toList())
                    .containsExactly("k2", "k3");
            assertThat(await(store.deliverCommand("e", "k2", "send:message", payload, second))).as("another device's key")
                    .isEqualTo(Store.Delivery.DELIVERED);
            assertThat(refusal(store.deliverCommand("d", "k4", "send:message", payload, "not-a-uuid")).reason())
                    .isEqualTo(FailureReason.INVALID_DATA);
        }

        @Test
        @DisplayName("deletes settled commands (delivered, done, expired) queued before a time, oldest first and a bounded number at a time; never a pending one")
        void outboxPrune() throws Exception {
            Store store = store();
            JsonObject payload = new JsonObject().put("phoneNumber", "+1").put("message", "hi");
            for (String key : List.of("delivered", "done", "expired", "also-expired")) {
                await(store.enqueueCommand("d", key, "send:message", payload));
            }
            await(store.claimCommand("d", "delivered", UUID.randomUUID().toString(), false));
            await(store.confirmCommand("d", "done"));
            await(store.expireCommands(Instant.now().plusSeconds(60)));
            await(store.enqueueCommand("d", "fresh", "send:message", payload)); // pending

            assertThat(await(store.pruneCommands(Instant.now().minusSeconds(60), 100))).as("nothing old enough").isZero();
            Instant later = Instant.now().plusSeconds(60);
            assertThat(await(store.pruneCommands(later, 2))).as("bounded").isEqualTo(2);
            assertThat(await(store.pruneCommands(later, 100))).isEqualTo(2);
            assertThat(await(store.openCommands("d", true)).stream().map(c -> ((JsonObject) c).getString("key")).toList())
                    .containsExactly("fresh");
            assertThat(await(store.enqueueCommand("d", "done", "send:message", payload))).as("a pruned key is new again").isTrue();
        }

        @Test
        @DisplayName("redeems a pairing once and only before it expires, hands its session out once, and keeps the session until revoked")
        void pairing() throws Exception {
            Store store = store();
            String token = UUID.randomUUID().toString(), image = UUID.randomUUID().toString(), session = UUID.randomUUID().toString();
            Instant later = Instant.now().plus(Duration.ofMinutes(5));
            Instant created = await(store.createPairingToken(token, image, hash("s1"), later));
            assertThat(await(store.findPairingToken(token)).orElseThrow().createdAt()).as("the creation time answered is the one stored")
                    .isEqualTo(created);
            String expiredToken = UUID.randomUUID().toString();
            await(store.createPairingToken(expiredToken, UUID.randomUUID().toString(), hash("s2"), Instant.now().minusSeconds(1)));

            assertThat(await(store.findPairingImage(image)).orElseThrow().token()).isEqualTo(token);
            assertThat(await(store.claimPairingSession(token))).as("not redeemed yet").isEmpty();
            Store.PairingToken redeemed = await(store.redeemPairingToken(hash("s1"), "phone", session,
                    later.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))).orElseThrow();
            assertThat(redeemed.deviceId()).isEqualTo("phone");
            assertThat(redeemed.sessionId()).isEqualTo(session);
            assertThat(await(store.redeemPairingToken(hash("s1"), "phone", UUID.randomUUID().toString(), later))).as("single use").isEmpty();
            assertThat(await(store.redeemPairingToken(hash("s2"), "phone", UUID.randomUUID().toString(), later))).as("expired").isEmpty();
            assertThat(await(store.redeemPairingToken(hash("nope"), "phone", UUID.randomUUID().toString(), later))).isEmpty();

            Instant sessionEnds = later.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            String revokedToken = UUID.randomUUID().toString(), revokedSession = UUID.randomUUID().toString();
            await(store.createPairingToken(revokedToken, UUID.randomUUID().toString(), hash("s3"), later));
            await(store.redeemPairingToken(hash("s3"), "phone-r", revokedSession, sessionEnds));
            await(store.revokeSessions("phone-r", revokedSession));
            assertThat(await(store.claimPairingSession(revokedToken))).as("a session revoked before it was collected").isEmpty();

            assertThat(await(store.claimPairingSession(token))).contains(new Store.ClaimedSession(session, "phone", sessionEnds));
            assertThat(await(store.claimPairingSession(token))).as("handed out once").isEmpty();
            assertThat(await(store.findPairingToken(token)).orElseThrow().delivered()).isTrue();
            assertThat(await(store.findPairingToken("not-a-uuid"))).isEmpty();

            assertThat(await(store.findSession(session)).orElseThrow().validAt(Instant.now())).isTrue();
            assertThat(await(store.listSessions("phone")).stream().map(Store.SessionSummary::sessionId).toList()).containsExactly(session);
            assertThat(await(store.revokeSessions("someone-else", null))).isEmpty();
            assertThat(await(store.revokeSessions("phone", null))).containsExactly(session);
            assertThat(await(store.revokeSessions("phone", session))).isEmpty();
            assertThat(await(store.findSession(session)).orElseThrow().validAt(Instant.now())).isFalse();
            assertThat(await(store.listSessions("phone"))).isEmpty();
        }

        @Test
        @DisplayName("deletes pairings whose QR expired before a time, earliest expiry first and a bounded number at a time, each once; "
                + "never one that expires later, and never the session a scanned one made")
        void pairingPrune() throws Exception {
            Store store = store();
            Instant now = Instant.now();
            Instant cutoff = now.minus(Duration.ofDays(1));
            String oldest = pairing(store, "oldest", cutoff.minus(Duration.ofDays(30)));
            String older = pairing(store, "older", cutoff.minus(Duration.ofDays(2)));
            String old = pairing(store, "old", cutoff.minus(Duration.ofMinutes(1)));
            String later = pairing(store, "later", cutoff.plus(Duration.ofMinutes(1)));
            String scanned = pairing(store, "scanned", now.plus(Duration.ofMinutes(5)));
            String session = UUID.randomUUID().toString();
            await(store.redeemPairingToken(hash("scanned"), "phone", session, now.plus(Duration.ofDays(30)))).orElseThrow();

            assertThat(await(store.prunePairingTokens(cutoff.minus(Duration.ofDays(60)), 100))).as("none expired that early").isZero();
            assertThat(await(store.prunePairingTokens(cutoff, 2))).as("bounded").isEqualTo(2);
            assertThat(present(store, oldest, older, old, later, scanned)).as("the earliest expiries went first")
                    .containsExactly(old, later, scanned);
            assertThat(await(store.prunePairingTokens(cutoff, Store.MAX_LOAD))).as("the rest of those expired before the time").isEqualTo(1);
            assertThat(await(store.prunePairingTokens(cutoff, Store.MAX_LOAD))).as("each deleted once").isZero();
            assertThat(present(store, old, later, scanned)).containsExactly(later, scanned);

            assertThat(await(store.prunePairingTokens(now.plus(Duration.ofHours(1)), Store.MAX_LOAD))).as("scanned or not").isEqualTo(2);
            assertThat(await(store.findSession(session)).orElseThrow().validAt(Instant.now())).as("the session stays").isTrue();
            assertThat(await(store.listSessions("phone")).stream().map(Store.SessionSummary::sessionId).toList()).containsExactly(session);
            assertThat(refusal(store.prunePairingTokens(cutoff, 0)).reason()).isEqualTo(FailureReason.INVALID_DATA);
        }

        /** A new pairing whose QR carries {@code secret} and expires at {@code expiresAt}: its waiter token. */
        static String pairing(Store store, String secret, Instant expiresAt) throws Exception {
            String token = UUID.randomUUID().toString();
            await(store.createPairingToken(token, UUID.randomUUID().toString(), hash(secret), expiresAt));
            return token;
        }

        /** Those of {@code tokens} whose pairing the store still holds, in the order given. */
        static List<String> present(Store store, String... tokens) throws Exception {
            List<String> found = new ArrayList<>();
            for (String token : tokens) {
                if (await(store.findPairingToken(token)).isPresent()) {
                    found.add(token);
                }
            }
            return found;
        }

        @Test
        @DisplayName("issues a device's secret once, binds it for good, and notes a legacy device once")
        void deviceCredentials() throws Exception {
            Store store = store();
            assertThat(await(store.findDeviceCredential("phone"))).isEmpty();
            assertThat(await(store.noteLegacyDevice("phone"))).as("unknown device").isFalse();
            assertThat(await(store.issueDeviceSecret("phone", hash("first")))).isTrue();
            assertThat(await(store.issueDeviceSecret("phone", hash("second")))).isFalse();
            Store.DeviceCredential issued = await(store.findDeviceCredential("phone")).orElseThrow();
            assertThat(issued.secretHash()).isEqualTo(hash("first"));
            assertThat(issued.bound()).isFalse();
            await(store.bindDeviceSecret("phone"));
            await(store.bindDeviceSecret("phone"));
            assertThat(await(store.findDeviceCredential("phone")).orElseThrow().bound()).isTrue();
            assertThat(await(store.noteLegacyDevice("phone"))).isTrue();
            assertThat(await(store.noteLegacyDevice("phone"))).isFalse();
            assertThat(await(store.findDeviceCredential("phone")).orElseThrow().legacyNoted()).isTrue();

            await(store.upsertDevice("plain", "name", null));
            assertThat(await(store.findDeviceCredential("plain"))).as("no secret yet").isEmpty();
        }
    }
}
