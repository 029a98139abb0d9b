package io.relay.routing;

import io.relay.TestConfigs;
import io.relay.cluster.Membership;
import io.relay.config.RelayConfig;
import io.relay.pairing.PairingService;
import io.relay.pairing.SessionTokens;
import io.relay.store.FreshStorage;
import io.relay.store.Store;
import io.relay.vocabulary.Addresses;
import io.relay.vocabulary.Events;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A browser's send or read mark for a phone that is online, through one node's switchboard over the real
 * PostgreSQL store: the browser's node hands it to the phone's node, which stores it as handed over in one
 * write and emits it; any failure of that hop falls back to the outbox's queue and nudge. Every call the
 * relay makes to the store is counted (the store itself is the real one).
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A browser's command for an online phone")
class OneHopTest {
    @RegisterExtension
    final FreshStorage storage = new FreshStorage();
    private final Map<String, AtomicInteger> storeCalls = new ConcurrentHashMap<>();
    private Store store;
    private SessionTokens tokens;
    private Switchboard switchboard;
    private Context context;

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        RelayConfig config = TestConfigs.forDatabase(null);
        context = vertx.getOrCreateContext();
        store = counted(storage.store());
        tokens = new SessionTokens(vertx, config.jwt());
        switchboard = new Switchboard(vertx, config.nodeId(), store, new PairingService(vertx, config, store, tokens),
                Membership.standalone(config.nodeId()));
        switchboard.start().onComplete(ctx.succeedingThenComplete());
    }

    /** The store, counting each call by method name. */
    private Store counted(Store real) {
        return (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class}, (proxy, method, args) -> {
            storeCalls.computeIfAbsent(method.getName(), m -> new AtomicInteger()).incrementAndGet();
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    /** The outbox's store calls since the last look, by name; other calls (sessions, devices) left out. */
    private Map<String, Integer> outboxCalls() {
        Map<String, Integer> calls = new TreeMap<>();
        for (String name : List.of("enqueueCommand", "deliverCommand", "openCommands", "claimCommand", "confirmCommand")) {
            AtomicInteger count = storeCalls.remove(name);
            if (count != null) {
                calls.put(name, count.get());
            }
        }
        return calls;
    }

    private RecordingSocket connect() {
        RecordingSocket socket = new RecordingSocket(context);
        context.runOnContext(v -> switchboard.accept(socket));
        return socket;
    }

    private static Future<JsonObject> send(RecordingSocket socket, String event, Object payload) {
        Promise<JsonObject> acked = Promise.promise();
        socket.receive(event, payload, args -> acked.tryComplete((JsonObject) args[0]));
        return acked.future().map(ack -> {
            assertThat(ack.getBoolean("success")).as(event + " acknowledged: " + ack).isTrue();
            return ack;
        });
    }

    private Future<RecordingSocket> phone(String deviceId) {
        RecordingSocket phone = connect();
        return send(phone, Events.MOBILE_REGISTER, new JsonObject().put("deviceId", deviceId)).map(phone);
    }

    /** A browser paired with the phone, authenticated on its own socket. */
    private Future<RecordingSocket> browser(String deviceId) {
        String session = UUID.randomUUID().toString();
        Instant until = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        byte[] secret = sha256(session);
        return store.createPairingToken(UUID.randomUUID().toString(), UUID.randomUUID().toString(), secret, until)
                .compose(v -> store.redeemPairingToken(secret, deviceId, session, until))
                .compose(v -> {
                    RecordingSocket browser = connect();
                    return send(browser, Events.WEB_AUTHENTICATE, new JsonObject().put("sessionToken", tokens.issue(session, deviceId, until)))
                            .map(browser);
                });
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonObject sms(String tempId) {
        return new JsonObject().put("phoneNumber", "+15550100").put("message", "text of " + tempId).put("tempId", tempId);
    }

    /** The tempIds of the {@code send:message} events the phone got, in order. */
    private static List<String> sendsTo(RecordingSocket phone) {
        return phone.packets.stream().map(p -> new JsonArray(p.substring(1)))
                .filter(packet -> Events.SEND_MESSAGE.equals(packet.getString(0)))
                .map(packet -> packet.getJsonObject(1).getString("tempId")).toList();
    }

    /** The phone's register hands over its (empty) outbox; waits for that to pass, then forgets its calls. */
    private Future<Void> settled(Vertx vertx) {
        return vertx.timer(300).map(v -> {
            outboxCalls();
            return null;
        });
    }

    @Test
    @DisplayName("reaches the phone after exactly one store write, with no read of the open commands, before the browser's ack")
    void oneWrite(Vertx vertx, VertxTestContext ctx) {
        phone("phone-1").compose(phone -> browser("phone-1")
                        .compose(browser -> settled(vertx).compose(v -> send(browser, Events.WEB_SEND_MESSAGE, sms("t-1"))))
                        .map(ack -> {
                            assertThat(sendsTo(phone)).as("emitted before the ack").containsExactly("t-1");
                            return outboxCalls();
                        }))
                .compose(calls -> store.openCommands("phone-1", true).map(open -> {
                    assertThat(calls).containsExactly(Map.entry("deliverCommand", 1));
                    assertThat(open.getJsonObject(0).getString("key")).as("stored, as handed over").isEqualTo("t-1");
                    return open;
                }))
                .compose(v -> store.openCommands("phone-1", false))
                .onComplete(ctx.succeeding(pending -> ctx.verify(() -> {
                    assertThat(pending).as("nothing pending").isEmpty();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a send retried with the same tempId is acknowledged again and reaches the phone once")
    void retriedOnce(Vertx vertx, VertxTestContext ctx) {
        phone("phone-1").compose(phone -> browser("phone-1")
                        .compose(browser -> send(browser, Events.WEB_SEND_MESSAGE, sms("t-1"))
                                .compose(v -> send(browser, Events.WEB_SEND_MESSAGE, sms("t-1"))))
                        .compose(v -> vertx.timer(300))
                        .map(v -> phone))
                .onComplete(ctx.succeeding(phone -> ctx.verify(() -> {
                    assertThat(sendsTo(phone)).containsExactly("t-1");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("many sends fired at once by one browser reach the phone in the order sent, each in one hop")
    void rapidSendsInOrder(Vertx vertx, VertxTestContext ctx) {
        List<String> tempIds = IntStream.range(0, 60).mapToObj(i -> "t-" + i).toList();
        phone("phone-1").compose(phone -> browser("phone-1")
                        .compose(browser -> settled(vertx).map(browser))
                        .compose(browser -> Future.all(tempIds.stream().map(id -> send(browser, Events.WEB_SEND_MESSAGE, sms(id))).toList()))
                        .map(v -> phone))
                .onComplete(ctx.succeeding(phone -> ctx.verify(() -> {
                    assertThat(sendsTo(phone)).containsExactlyElementsOf(tempIds);
                    assertThat(outboxCalls()).containsExactly(Map.entry("deliverCommand", tempIds.size()));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a send made while older commands of the phone are still pending reaches the phone after them")
    void behindPending(Vertx vertx, VertxTestContext ctx) {
        phone("phone-1").compose(phone -> browser("phone-1")
                        // Stored by a browser's node whose hop failed; its nudge has not arrived yet.
                        .compose(browser -> store.enqueueCommand("phone-1", "older", Events.SEND_MESSAGE, sms("older"))
                                .compose(v -> send(browser, Events.WEB_SEND_MESSAGE, sms("newer"))))
                        .map(v -> phone))
                .onComplete(ctx.succeeding(phone -> ctx.verify(() -> {
                    assertThat(sendsTo(phone)).containsExactly("older", "newer");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("sends stored while the phone was away, then one made as it registers, reach it in the order sent")
    void queuedThenOnline(Vertx vertx, VertxTestContext ctx) {
        RecordingSocket[] phone = new RecordingSocket[1];
        phone("phone-1").compose(first -> {
                    first.drop("transport close");
                    return browser("phone-1");
                })
                .compose(browser -> vertx.timer(200)
                        .compose(v -> send(browser, Events.WEB_SEND_MESSAGE, sms("away-1")))
                        .compose(v -> send(browser, Events.WEB_SEND_MESSAGE, sms("away-2")))
                        .compose(v -> {
                            phone[0] = connect();
                            phone[0].receive(Events.MOBILE_REGISTER, new JsonObject().put("deviceId", "phone-1"), null);
                            return vertx.timer(5);
                        })
                        .compose(v -> send(browser, Events.WEB_SEND_MESSAGE, sms("online"))))
                .compose(v -> vertx.timer(500))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(sendsTo(phone[0])).containsExactly("away-1", "away-2", "online");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a hop lost on its way to the phone's node (that node died, say) falls back: stored once, handed over once")
    void lostOnTheWay(Vertx vertx, VertxTestContext ctx) {
        Handler<DeliveryContext<Object>> lost = dropping(delivery -> Addresses.phone("phone-1").equals(delivery.message().address())
                && PhoneRoutes.DELIVER.equals(delivery.message().headers().get(PhoneRoutes.KIND_HEADER)));
        phone("phone-1").compose(phone -> browser("phone-1")
                        .compose(browser -> settled(vertx).compose(v -> {
                            vertx.eventBus().addOutboundInterceptor(lost);
                            return send(browser, Events.WEB_SEND_MESSAGE, sms("t-1"));
                        }))
                        .compose(v -> vertx.timer(500))
                        .map(v -> phone))
                .onComplete(ctx.succeeding(phone -> ctx.verify(() -> {
                    vertx.eventBus().removeOutboundInterceptor(lost);
                    assertThat(sendsTo(phone)).containsExactly("t-1");
                    assertThat(outboxCalls()).containsEntry("enqueueCommand", 1).containsEntry("claimCommand", 1)
                            .doesNotContainKey("deliverCommand");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a hop whose answer is lost after the phone's node stored and emitted it falls back without storing or sending it twice")
    void answerLost(Vertx vertx, VertxTestContext ctx) {
        Handler<DeliveryContext<Object>> lost = dropping(delivery -> delivery.message().body() instanceof JsonObject body
                && body.containsKey("stored"));
        phone("phone-1").compose(phone -> browser("phone-1")
                        .compose(browser -> settled(vertx).compose(v -> {
                            vertx.eventBus().addOutboundInterceptor(lost);
                            return send(browser, Events.WEB_SEND_MESSAGE, sms("t-1"));
                        }))
                        .compose(v -> vertx.timer(500))
                        .compose(v -> store.openCommands("phone-1", true))
                        .map(open -> {
                            assertThat(open.size()).as("stored once").isEqualTo(1);
                            return phone;
                        }))
                .onComplete(ctx.succeeding(phone -> ctx.verify(() -> {
                    vertx.eventBus().removeOutboundInterceptor(lost);
                    assertThat(sendsTo(phone)).containsExactly("t-1");
                    assertThat(outboxCalls()).containsEntry("deliverCommand", 1).containsEntry("enqueueCommand", 1)
                            .doesNotContainKey("claimCommand");
                    ctx.completeNow();
                })));
    }

    /** An event-bus interceptor that drops what {@code matches}, as a dead node or a lost packet would. */
    private static Handler<DeliveryContext<Object>> dropping(java.util.function.Predicate<DeliveryContext<Object>> matches) {
        return delivery -> {
            if (!matches.test(delivery)) {
                delivery.next();
            }
        };
    }
}
