package io.relay.routing;

import io.relay.TestConfigs;
import io.relay.cluster.Membership;
import io.relay.config.RelayConfig;
import io.relay.gateway.socketio.Ack;
import io.relay.gateway.socketio.DisconnectReason;
import io.relay.pairing.PairingService;
import io.relay.pairing.SessionTokens;
import io.relay.store.Storage;
import io.relay.store.TestDatabase;
import io.relay.vocabulary.Events;
import io.relay.store.InMemoryStore;
import io.relay.store.Store;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One socket's life in the relay, without the wire in the way, over the in-memory store (which keeps
 * the real one's contract, see {@code StoreContractTest}).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A client")
class ClientTest {

    private Switchboard switchboard;
    private Context context;

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        RelayConfig config = TestConfigs.forDatabase(null);
        context = vertx.getOrCreateContext();
        Store store = new InMemoryStore();
        switchboard = new Switchboard(vertx, config.nodeId(), store,
                new PairingService(vertx, config, store, new SessionTokens(vertx, config.jwt())), Membership.standalone(config.nodeId()));
        switchboard.start().onComplete(ctx.succeedingThenComplete());
    }

    /** A connected socket with the relay's client on it, as the Socket.IO layer hands it over. */
    private RecordingSocket connect() {
        RecordingSocket socket = new RecordingSocket(context);
        context.runOnContext(v -> switchboard.accept(socket));
        return socket;
    }

    private static Future<JsonObject> send(RecordingSocket socket, String event, Object payload) {
        Promise<JsonObject> acked = Promise.promise();
        socket.receive(event, payload, args -> acked.tryComplete((JsonObject) args[0]));
        return acked.future();
    }

    private static JsonObject message(int i) {
        return new JsonObject().put("id", "m" + i).put("conversationId", "c1").put("phoneNumber", "+15550100")
                .put("body", "text " + i).put("timestamp", 1_700_000_000_000L + i).put("type", "received").put("read", false);
    }

    @Test
    @DisplayName("handles a phone's events in the order they arrived, so browsers see its messages in that order")
    void inOrder(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket phone = connect();
        RecordingSocket browser = new RecordingSocket(context);
        List<Future<JsonObject>> acks = new ArrayList<>();
        switchboard.fanout().join("phone-1", browser)
                .compose(v -> send(phone, Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-1")))
                .compose(v -> {
                    IntStream.range(0, 30).forEach(i -> acks.add(send(phone, Events.MOBILE_MESSAGES,
                            new JsonObject().put("messages", new JsonArray().add(message(i))))));
                    return Future.all(acks);
                })
                .compose(v -> vertx.timer(100))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(acks).allSatisfy(ack -> assertThat(ack.result().getBoolean("success")).isTrue());
                    List<String> newIds = browser.packets.stream().filter(p -> p.startsWith("2[\"messages:sync\""))
                            .map(p -> new JsonArray(p.substring(1)).getJsonObject(1).getJsonArray("messages").getJsonObject(0).getString("id"))
                            .toList();
                    assertThat(newIds).containsExactlyElementsOf(IntStream.range(0, 30).mapToObj(i -> "m" + i).toList());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("relays a phone's event to browsers as the phone sent it, with the relay's seq and prevSeq added last (or in place of fields of the phone's own)")
    void relaysAsSent(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket phone = connect();
        RecordingSocket browser = new RecordingSocket(context);
        String first = "{\"messages\":[{\"id\":\"m1\",\"body\":\"a\\\"}]\",\"n\":2.5,\"big\":12345678901}],\"extra\":{}}";
        String second = "{\"seq\":\"phone's\",\"messages\":[],\"z\":1}";
        switchboard.fanout().join("phone-1", browser)
                .compose(v -> send(phone, Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-1")))
                .compose(v -> send(phone, Events.MOBILE_MESSAGES, new JsonObject(first)))
                .compose(v -> send(phone, Events.MOBILE_MESSAGES, new JsonObject(second)))
                .compose(v -> vertx.timer(100))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    List<String> relayed = browser.packets.stream().filter(p -> p.startsWith("2[\"messages:sync\"")).toList();
                    assertThat(relayed).containsExactly(
                            "2[\"messages:sync\"," + first.substring(0, first.length() - 1) + ",\"seq\":1,\"prevSeq\":0}]",
                            "2[\"messages:sync\",{\"seq\":2,\"messages\":[],\"z\":1,\"prevSeq\":1}]");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("refuses binary data in a phone event (an operator may allow binary packets; no event of the contract has any), storing and relaying nothing")
    void refusesBinaryData(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket phone = connect();
        RecordingSocket browser = new RecordingSocket(context);
        JsonObject withBinary = new JsonObject().put("messages", new JsonArray().add(message(1).put("attachment", io.vertx.core.buffer.Buffer.buffer("x"))));
        switchboard.fanout().join("phone-1", browser)
                .compose(v -> send(phone, Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-1")))
                .compose(v -> send(phone, Events.MOBILE_MESSAGES, withBinary))
                .compose(refused -> send(phone, Events.MOBILE_MESSAGES, new JsonObject().put("messages", new JsonArray().add(message(2))))
                        .map(accepted -> List.of(refused, accepted)))
                .compose(acks -> vertx.timer(100).map(acks))
                .onComplete(ctx.succeeding(acks -> ctx.verify(() -> {
                    assertThat(acks.get(0).getBoolean("success")).isFalse();
                    assertThat(acks.get(0).getString("error")).contains("binary");
                    assertThat(acks.get(1).getBoolean("success")).isTrue();
                    List<String> relayed = browser.packets.stream().filter(p -> p.startsWith("2[\"messages:sync\"")).toList();
                    assertThat(relayed).hasSize(1).allSatisfy(p -> assertThat(p).contains("\"m2\"").contains("\"seq\":1,\"prevSeq\":0}"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("refuses the events of a side it has not joined with the words the apps know, a bad payload named first")
    void sidesNotJoined(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket phone = connect();
        RecordingSocket stranger = connect();
        JsonObject send = new JsonObject().put("phoneNumber", "+15550100").put("message", "hi");
        send(phone, Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-1"))
                .compose(registered -> Future.all(List.of(
                        send(phone, Events.WEB_SEND_MESSAGE, send),
                        send(phone, Events.WEB_REQUEST_SYNC, null),
                        send(phone, Events.WEB_MARK_READ, null),
                        send(stranger, Events.MOBILE_MESSAGES, new JsonObject().put("messages", new JsonArray())),
                        send(stranger, Events.MOBILE_LIST_SESSIONS, null),
                        send(stranger, Events.MOBILE_SCAN_QR, null),
                        send(stranger, Events.MESSAGE_SENT, new JsonObject().put("tempId", "t1")),
                        send(stranger, "web:whatever", null))))
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    List<JsonObject> answers = all.list();
                    assertThat(answers).extracting(a -> a.getString("error")).containsExactly(
                            "Not authenticated: send web:authenticate first",
                            "Not authenticated: send web:authenticate first",
                            "Invalid payload for web:mark-read: expected a JSON object",
                            "Device not registered: send mobile:register first",
                            "Device not registered: send mobile:register first",
                            "Invalid payload for mobile:scan-qr: expected a JSON object",
                            null,
                            "Unknown event: web:whatever");
                    assertThat(answers).extracting(a -> a.getString("code")).containsExactly(
                            "not_authenticated", "not_authenticated", "bad_request", "not_registered", "not_registered",
                            "bad_request", null, "unknown_event");
                    assertThat(answers.get(6).getBoolean("success")).isTrue();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("refuses events beyond its queue with a clear error, and still handles every event it queued")
    void flood(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket phone = connect();
        int sent = Client.MAX_QUEUED_EVENTS * 2;
        List<JsonObject> answers = new CopyOnWriteArrayList<>();
        Promise<Void> allAnswered = Promise.promise();
        send(phone, Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-1"))
                .compose(v -> {
                    Ack ack = args -> {
                        answers.add((JsonObject) args[0]);
                        if (answers.size() == sent) {
                            allAnswered.complete();
                        }
                    };
                    // One task on the socket's context: the whole burst arrives before any storage answers.
                    context.runOnContext(x -> IntStream.range(0, sent).forEach(i -> phone.receive(Events.MOBILE_MESSAGES,
                            new JsonObject().put("messages", new JsonArray().add(message(i))), ack)));
                    return allAnswered.future();
                })
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    long refused = answers.stream().filter(a -> !a.getBoolean("success")).count();
                    assertThat(refused).isPositive();
                    assertThat(answers).filteredOn(a -> !a.getBoolean("success"))
                            .allSatisfy(a -> assertThat(a.getString("error")).isEqualTo("Too many events in flight; slow down"));
                    assertThat(answers.size() - refused).isGreaterThanOrEqualTo(Client.MAX_QUEUED_EVENTS);
                    assertThat(phone.packets).anyMatch(p -> p.startsWith("2[\"error\",{\"message\":\"Too many events"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a phone that drops while its register is still being stored leaves no route behind")
    void dropDuringRegister(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket phone = connect();
        phone.receive(Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-1"), null);
        phone.drop("transport close");
        vertx.timer(500)
                .compose(v -> switchboard.routes().command("phone-1", Events.REQUEST_SYNC, null))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).hasMessage(PhoneRoutes.NOT_CONNECTED);
                    assertThat(switchboard.routes().connectedHere("phone-1")).isFalse();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("refuses phone data before mobile:register and browser commands before web:authenticate")
    void roleRequired(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket socket = connect();
        Future.all(
                        send(socket, Events.MOBILE_MESSAGES, new JsonObject().put("messages", new JsonArray())),
                        send(socket, Events.WEB_SEND_MESSAGE, new JsonObject().put("phoneNumber", "+1").put("message", "x")),
                        send(socket, Events.WEB_REQUEST_SYNC, null))
                .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
                    assertThat(all.<JsonObject>resultAt(0).getString("error")).isEqualTo("Device not registered: send mobile:register first");
                    assertThat(all.<JsonObject>resultAt(1).getString("error")).isEqualTo("Not authenticated: send web:authenticate first");
                    assertThat(all.<JsonObject>resultAt(2).getString("error")).isEqualTo("Not authenticated: send web:authenticate first");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a phone cut off by a shutdown stays in the presence map, so the surviving nodes announce it once this node left")
    void shutdownLeavesPresenceToTheSurvivors(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket leaving = connect();
        RecordingSocket dropped = connect();
        Future.all(send(leaving, Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-shutdown")),
                        send(dropped, Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-dropped")))
                .compose(v -> {
                    leaving.drop(DisconnectReason.SERVER_SHUTTING_DOWN);
                    dropped.drop(DisconnectReason.TRANSPORT_CLOSE);
                    return vertx.timer(300);
                })
                .compose(v -> vertx.sharedData().<String, String>getAsyncMap(Presence.MAP))
                .compose(map -> Future.all(map.get("phone-shutdown"), map.get("phone-dropped")))
                .onComplete(ctx.succeeding(holders -> ctx.verify(() -> {
                    assertThat(holders.<String>resultAt(0)).as("kept for the survivors").isNotNull();
                    assertThat(holders.<String>resultAt(1)).as("a phone that simply went is gone").isNull();
                    assertThat(switchboard.routes().connectedHere("phone-shutdown")).isFalse();
                    ctx.completeNow();
                })));
    }
}
