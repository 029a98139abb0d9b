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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

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

        @Test
        @DisplayName("numbers each device's events 1, 2, 3... without gaps, reads them back in order from a point, and starts at 0")
        void gapFreeLog() throws Exception {
            Store store = store();
            await(Future.all(store.upsertDevice("a", "Pixel", "8"), store.upsertDevice("b", null, null)));
            assertThat(await(store.lastSeq("a"))).isZero();
            List<Future<Long>> appends = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                appends.add(i % 3 == 0 ? store.saveConversationsAndLog("b", new JsonArray(), "e", new JsonObject().put("n", i).encode())
                        : store.saveMessagesAndLog("a", new JsonArray().add(message("m" + i, "c1", i, null)), "messages:sync",
                        new JsonObject().put("n", i).encode()));
            }
            await(Future.all(appends));
            assertThat(appends.stream().filter(f -> f != appends.get(0) && f != appends.get(3) && f != appends.get(6) && f != appends.get(9))
                    .map(Future::result).toList()).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 8).boxed().toList());
            assertThat(await(store.lastSeq("a"))).isEqualTo(8);
            assertThat(await(store.lastSeq("b"))).isEqualTo(4);
            assertThat(await(store.lastSeq("nobody"))).isZero();
            // Calls in flight together may be numbered in another order than they were made (two flushes can run
            // at once): the tail holds what the calls answered 6 and 7 logged.
            JsonArray expectedTail = new JsonArray();
            for (long seq : new long[] {6, 7}) {
                int n = IntStream.range(0, appends.size()).filter(i -> i % 3 != 0 && appends.get(i).result() == seq).findFirst().orElseThrow();
                expectedTail.add(new JsonObject().put("seq", seq).put("event", "messages:sync").put("payload", new JsonObject().put("n", n)));
            }
            assertThat(await(store.eventsSince("a", 5, 2)).encode()).isEqualTo(expectedTail.encode());
            assertThat(await(store.eventsSince("a", 8, 10))).isEmpty();
        }

        @Test
        @DisplayName("refuses to log for a device never registered, as a bad request, after storing its messages")
        void unknownDeviceLog() throws Exception {
            Store store = store();
            StoreException refused = refusal(store.saveMessagesAndLog("ghost", new JsonArray().add(message("m1", "c1", 1, null)),
                    "messages:sync", "{}"));
            assertThat(refused.reason()).isEqualTo(FailureReason.INVALID_DATA);
            assertThat(refusal(store.saveConversationsAndLog("ghost", new JsonArray(), "e", "{}")).reason()).as("an event alone")
                    .isEqualTo(FailureReason.INVALID_DATA);
            assertThat(await(store.loadThreads("ghost", 10, 10))).hasSize(1);
            assertThat(await(store.lastSeq("ghost"))).isZero();
        }

        @Test
        @DisplayName("refuses bad arguments as bad requests in the same words")
        void badArguments() throws Exception {
            Store store = store();
            assertThat(refusal(store.upsertDevice("", null, null))).hasMessage("deviceId must be a non-empty string")
                    .extracting(StoreException::reason).isEqualTo(FailureReason.INVALID_DATA);
            assertThat(refusal(store.saveMessagesAndLog("d", new JsonArray().add(new JsonObject().put("body", "no id")), "messages:sync", "{}")))
                    .hasMessage("messages[0].id must be a non-empty string or a number");
            assertThat(refusal(store.eventsSince("d", 0, 0))).hasMessage("limit must be an integer from 1 to " + Store.MAX_LOAD);
            assertThat(refusal(store.enqueueCommand("d", "k", "send:message", null))).hasMessage("payload must be an object");
        }

        @Test
        @DisplayName("keeps the latest document per message id and the last status reported; loads threads most recent first, each its latest messages oldest first")
        void threads() throws Exception {
            Store store = store();
            await(store.upsertDevice("d", null, null));
            await(store.saveMessagesAndLog("d", new JsonArray().add(message("1", "old", 10, "sent")).add(message("2", "new", 20, null))
                    .add(message("3", "new", 30, null)).add(message("4", "new", 40, null)), "messages:sync", "{}"));
            await(store.saveMessagesAndLog("d", new JsonArray().add(message("1", "old", 10, null).put("body", "edited")), "messages:sync", "{}"));
            await(store.recordStatusAndLog("d", "3", "delivered", "3", "message:status", "{}"));
            await(store.recordStatusAndLog("d", "never-stored", "delivered", "never-stored", "message:status", "{}"));
            List<JsonArray> threads = await(store.loadThreads("d", 5, 2));
            assertThat(threads).hasSize(2);
            assertThat(threads.get(0).stream().map(m -> ((JsonObject) m).getString("id")).toList()).containsExactly("3", "4");
            assertThat(threads.get(0).getJsonObject(0).getString("status")).isEqualTo("delivered");
            assertThat(threads.get(1).getJsonObject(0).getString("body")).isEqualTo("edited");
            assertThat(threads.get(1).getJsonObject(0).getString("status")).as("kept from before").isEqualTo("sent");
            assertThat(await(store.loadThreads("d", 1, 5))).hasSize(1);

            await(store.saveConversationsAndLog("d", new JsonArray().add(new JsonObject().put("id", "old").put("lastMessageTime", 10))
                    .add(new JsonObject().put("id", "new").put("lastMessageTime", 40).put("unreadCount", 2)), "conversations:sync", "{}"));
            assertThat(await(store.loadConversations("d")).stream().map(c -> ((JsonObject) c).getString("id")).toList())
                    .containsExactly("new", "old");
        }

        @Test
        @DisplayName("stores a conversation list with its log entry, and a status with the command it settles and its log entry, each in one call numbered in turn")
        void eventsStoredWithTheirLogEntry() throws Exception {
            Store store = store();
            await(store.upsertDevice("t", null, null));
            assertThat(await(store.saveMessagesAndLog("t", new JsonArray().add(message("m1", "c1", 1, null)), "messages:sync", "{}"))).isEqualTo(1);
            await(store.enqueueCommand("t", "temp-1", "send:message", new JsonObject()));
            assertThat(await(store.saveConversationsAndLog("t", new JsonArray().add(new JsonObject().put("id", "c1").put("phoneNumber", "+1")),
                    "conversations:sync", new JsonObject().put("k", 1).encode()))).isEqualTo(2);
            assertThat(await(store.recordStatusAndLog("t", "m1", "delivered", "temp-1", "message:status", new JsonObject().put("k", 2).encode())))
                    .isEqualTo(3);
            assertThat(await(store.loadConversations("t")).getJsonObject(0).getString("id")).isEqualTo("c1");
            assertThat(await(store.loadThreads("t", 10, 10)).get(0).getJsonObject(0).getString("status")).isEqualTo("delivered");
            assertThat(await(store.openCommands("t", true))).as("the command is settled").isEmpty();
            assertThat(refusal(store.saveConversationsAndLog("ghost", new JsonArray(), "conversations:sync", "{}")).reason())
                    .isEqualTo(FailureReason.INVALID_DATA);
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
