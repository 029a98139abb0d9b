package io.relay.routing;

import io.relay.vocabulary.Addresses;
import io.relay.vocabulary.Events;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("Routing by deviceId on the event bus")
class DeviceRoutingTest {

    private static Future<Void> settle(Vertx vertx) {
        return vertx.timer(100).mapEmpty();
    }

    @Test
    @DisplayName("a phone event reaches every local browser of that phone exactly once, and no browser of another phone")
    void fanOut(Vertx vertx, VertxTestContext ctx) {
        Context context = vertx.getOrCreateContext();
        WebFanout fanout = new WebFanout(vertx);
        RecordingSocket a = new RecordingSocket(context), b = new RecordingSocket(context), other = new RecordingSocket(context);
        Future.all(fanout.join("phone-1", a), fanout.join("phone-1", b), fanout.join("phone-2", other))
                .compose(v -> {
                    fanout.publish("phone-1", Events.MESSAGE_STATUS, new JsonObject().put("messageId", 7).put("status", "sent"));
                    return settle(vertx);
                })
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    String expected = "2[\"message:status\",{\"messageId\":7,\"status\":\"sent\"}]";
                    assertThat(a.packets).containsExactly(expected);
                    assertThat(b.packets).containsExactly(expected);
                    assertThat(other.packets).isEmpty();
                    assertThat(fanout.localCount("phone-1")).isEqualTo(2);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a browser that left gets nothing more, and the node stops listening for a phone's events when its last local browser leaves")
    void lastBrowserTakesTheConsumer(Vertx vertx, VertxTestContext ctx) {
        Context context = vertx.getOrCreateContext();
        WebFanout fanout = new WebFanout(vertx);
        RecordingSocket a = new RecordingSocket(context), b = new RecordingSocket(context);
        Future.all(fanout.join("phone-1", a), fanout.join("phone-1", b))
                .compose(v -> {
                    fanout.leave("phone-1", a);
                    fanout.publish("phone-1", Events.MOBILE_DISCONNECTED);
                    return settle(vertx);
                })
                .compose(v -> {
                    assertThat(a.packets).isEmpty();
                    assertThat(b.packets).containsExactly("2[\"mobile:disconnected\"]");
                    fanout.leave("phone-1", b);
                    return settle(vertx);
                })
                .compose(v -> vertx.eventBus().request(Addresses.web("phone-1"), "ping"))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).isInstanceOf(ReplyException.class);
                    assertThat(((ReplyException) error).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
                    assertThat(fanout.localCount("phone-1")).isZero();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a command for a phone no node holds fails with \"Mobile device not connected\"")
    void commandToOfflinePhone(Vertx vertx, VertxTestContext ctx) {
        new PhoneRoutes(vertx).command("nobody", Events.MARK_READ, new JsonObject().put("conversationId", "c"))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).isInstanceOf(PhoneRoutes.NotReached.class).hasMessage(PhoneRoutes.NOT_CONNECTED);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a command reaches the phone's socket as the event with the browser's payload; request:sync carries none")
    void commandReachesPhone(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        RecordingSocket phone = new RecordingSocket(vertx.getOrCreateContext());
        routes.attach("phone-1", phone, emitting(phone))
                .compose(v -> routes.command("phone-1", Events.SEND_MESSAGE,
                        new JsonObject().put("phoneNumber", "+15550100").put("message", "hi").put("tempId", "t-1")))
                .compose(v -> routes.command("phone-1", Events.REQUEST_SYNC, null))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(phone.packets).containsExactly(
                            "2[\"send:message\",{\"phoneNumber\":\"+15550100\",\"message\":\"hi\",\"tempId\":\"t-1\"}]",
                            "2[\"request:sync\"]");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a phone that reconnects takes over its route, and the old socket going away does not take the new route with it")
    void reconnectTakesOver(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        Context context = vertx.getOrCreateContext();
        RecordingSocket old = new RecordingSocket(context), fresh = new RecordingSocket(context);
        routes.attach("phone-1", old, emitting(old))
                .compose(v -> routes.attach("phone-1", fresh, emitting(fresh)))
                .compose(v -> routes.detach("phone-1", old))
                .compose(detached -> {
                    assertThat(detached).isFalse();
                    return routes.command("phone-1", Events.MARK_READ, new JsonObject().put("conversationId", "c"));
                })
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(old.packets).isEmpty();
                    assertThat(fresh.packets).containsExactly("2[\"mark:read\",{\"conversationId\":\"c\"}]");
                    assertThat(routes.connectedHere("phone-1")).isTrue();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a command that lands on a socket already gone fails as not connected instead of vanishing")
    void commandToDeadSocket(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        RecordingSocket phone = new RecordingSocket(vertx.getOrCreateContext());
        routes.attach("phone-1", phone, emitting(phone))
                .compose(v -> {
                    phone.drop("transport close"); // the disconnect handler has not detached the route yet
                    return settle(vertx);
                })
                .compose(v -> routes.command("phone-1", Events.MARK_READ, new JsonObject().put("conversationId", "c")))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).hasMessage(PhoneRoutes.NOT_CONNECTED);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a phone that reconnects to another node takes its route from the first node, so no command goes to the old socket")
    void reconnectOnAnotherNodeTakesOver(Vertx vertx, VertxTestContext ctx) {
        // Two nodes' PhoneRoutes on one event bus; the old socket has not noticed it is dead (half-open TCP).
        PhoneRoutes nodeA = new PhoneRoutes(vertx), nodeB = new PhoneRoutes(vertx);
        Context context = vertx.getOrCreateContext();
        RecordingSocket old = new RecordingSocket(context), fresh = new RecordingSocket(context);
        JsonObject markRead = new JsonObject().put("conversationId", "c");
        nodeA.attach("phone-1", old, emitting(old))
                .compose(v -> nodeB.attach("phone-1", fresh, emitting(fresh)))
                .compose(v -> settle(vertx))
                .compose(v -> Future.all(java.util.stream.IntStream.range(0, 6)
                        .mapToObj(i -> nodeA.command("phone-1", Events.MARK_READ, markRead)).toList()))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(old.packets).isEmpty();
                    assertThat(fresh.packets).hasSize(6);
                    assertThat(nodeA.connectedHere("phone-1")).isFalse();
                    assertThat(nodeB.connectedHere("phone-1")).isTrue();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("every message on a phone's address names its kind in a header (takeover, command, flush), as the browsers' address names each event")
    void phoneMessagesNameTheirKind(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        RecordingSocket phone = new RecordingSocket(vertx.getOrCreateContext());
        List<String> kinds = kindsSentTo(vertx, "phone-1");
        AtomicInteger flushes = new AtomicInteger();
        routes.attach("phone-1", phone, counting(phone, flushes))
                .compose(v -> routes.command("phone-1", Events.REQUEST_SYNC, null))
                .compose(v -> {
                    routes.nudge("phone-1");
                    return settle(vertx);
                })
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(kinds).containsExactly(PhoneRoutes.TAKEOVER, PhoneRoutes.COMMAND, PhoneRoutes.FLUSH);
                    assertThat(phone.packets).containsExactly("2[\"request:sync\"]");
                    assertThat(flushes).hasValue(1);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a message without the kind header, from a node of the version before it, is still told apart by its body")
    void messagesOfTheVersionBefore(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        RecordingSocket phone = new RecordingSocket(vertx.getOrCreateContext());
        AtomicInteger flushes = new AtomicInteger();
        routes.attach("phone-1", phone, counting(phone, flushes))
                .compose(v -> vertx.eventBus().request(Addresses.phone("phone-1"), new JsonObject().put("event", "relay:outbox-flush")))
                .compose(v -> vertx.eventBus().request(Addresses.phone("phone-1"),
                        new JsonObject().put("event", Events.MARK_READ).put("payload", new JsonObject().put("conversationId", "c"))))
                .compose(v -> {
                    vertx.eventBus().publish(Addresses.phone("phone-1"), new JsonObject().put("takenOverBy", "a-newer-socket"));
                    return settle(vertx);
                })
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(flushes).hasValue(1);
                    assertThat(phone.packets).containsExactly("2[\"mark:read\",{\"conversationId\":\"c\"}]");
                    assertThat(routes.connectedHere("phone-1")).isFalse();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a deliver reaches the phone's node as its command, nested, and is answered stored once that node stored it")
    void deliverIsAnsweredStored(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        RecordingSocket phone = new RecordingSocket(vertx.getOrCreateContext());
        List<String> kinds = kindsSentTo(vertx, "phone-1");
        routes.attach("phone-1", phone, emitting(phone))
                .compose(v -> routes.deliver("phone-1", "t-1", Events.SEND_MESSAGE, new JsonObject().put("message", "hi").put("tempId", "t-1")))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertThat(kinds).containsExactly(PhoneRoutes.TAKEOVER, PhoneRoutes.DELIVER);
                    assertThat(phone.packets).containsExactly("2[\"send:message\",{\"message\":\"hi\",\"tempId\":\"t-1\"}]");
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a deliver for a phone no node holds fails as not connected, and one the phone's node could not store fails too")
    void deliverFailures(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        RecordingSocket phone = new RecordingSocket(vertx.getOrCreateContext());
        PhoneRoutes.Commands refusing = new PhoneRoutes.Commands() {
            @Override
            public void flush() {
            }

            @Override
            public Future<Void> emit(String event, JsonObject payload) {
                return Future.succeededFuture();
            }

            @Override
            public Future<Void> deliver(String key, String event, JsonObject payload) {
                return Future.failedFuture(new IllegalStateException("storage down"));
            }
        };
        routes.deliver("nobody", "k", Events.MARK_READ, new JsonObject())
                .recover(offline -> {
                    assertThat(offline).isInstanceOf(PhoneRoutes.NotReached.class).hasMessage(PhoneRoutes.NOT_CONNECTED);
                    return routes.attach("phone-1", phone, refusing);
                })
                .compose(v -> routes.deliver("phone-1", "k", Events.MARK_READ, new JsonObject()))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(error).isInstanceOf(PhoneRoutes.NotReached.class);
                    assertThat(phone.packets).isEmpty();
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a deliver read as a command, as a node of the version before reads any kind it does not know, emits nothing and fails at once")
    void deliverOnANodeOfTheVersionBefore(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        RecordingSocket phone = new RecordingSocket(vertx.getOrCreateContext());
        // The body PhoneRoutes.deliver sends, under the kind the previous version falls back to (its kindOf: a
        // header it does not know is not a takeover nor a flush, so it goes to the emit path).
        JsonObject deliver = new JsonObject().put("key", "t-1")
                .put("command", new JsonObject().put("event", Events.SEND_MESSAGE).put("payload", new JsonObject().put("message", "hi")));
        long started = System.nanoTime();
        routes.attach("phone-1", phone, emitting(phone))
                .compose(v -> vertx.eventBus().request(Addresses.phone("phone-1"), deliver,
                        new io.vertx.core.eventbus.DeliveryOptions().addHeader(PhoneRoutes.KIND_HEADER, PhoneRoutes.COMMAND)))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(phone.packets).as("nothing emitted raw to the phone").isEmpty();
                    assertThat(((ReplyException) error).failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
                    assertThat(System.nanoTime() - started).as("answered, not timed out").isLessThan(PhoneRoutes.COMMAND_TIMEOUT.toNanos());
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("a kind this node does not know (a newer node's) is refused and never emitted to the phone")
    void unknownKindIsRefused(Vertx vertx, VertxTestContext ctx) {
        PhoneRoutes routes = new PhoneRoutes(vertx);
        RecordingSocket phone = new RecordingSocket(vertx.getOrCreateContext());
        routes.attach("phone-1", phone, emitting(phone))
                .compose(v -> vertx.eventBus().request(Addresses.phone("phone-1"),
                        new JsonObject().put("event", Events.SEND_MESSAGE).put("payload", new JsonObject().put("message", "hi")),
                        new io.vertx.core.eventbus.DeliveryOptions().addHeader(PhoneRoutes.KIND_HEADER, "from-the-future")))
                .onComplete(ctx.failing(error -> ctx.verify(() -> {
                    assertThat(phone.packets).isEmpty();
                    assertThat(((ReplyException) error).failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
                    ctx.completeNow();
                })));
    }

    /** Like {@link #emitting}, counting the nudges to hand over the outbox. */
    private static PhoneRoutes.Commands counting(RecordingSocket socket, AtomicInteger flushes) {
        PhoneRoutes.Commands emitting = emitting(socket);
        return new PhoneRoutes.Commands() {
            @Override
            public void flush() {
                flushes.incrementAndGet();
            }

            @Override
            public Future<Void> emit(String event, JsonObject payload) {
                return emitting.emit(event, payload);
            }

            @Override
            public Future<Void> deliver(String key, String event, JsonObject payload) {
                return emitting.deliver(key, event, payload);
            }
        };
    }

    /**
     * The phone's end without an outbox: every command is emitted at once, within a Future's step as the
     * relay's own end emits (so an emit that throws fails the command).
     */
    private static PhoneRoutes.Commands emitting(RecordingSocket socket) {
        return new PhoneRoutes.Commands() {
            @Override
            public void flush() {
            }

            @Override
            public Future<Void> emit(String event, JsonObject payload) {
                return Future.<Void>succeededFuture().map(v -> {
                    if (payload == null) {
                        socket.emit(event);
                    } else {
                        socket.emit(event, payload);
                    }
                    return null;
                });
            }

            @Override
            public Future<Void> deliver(String key, String event, JsonObject payload) {
                return emit(event, payload);
            }
        };
    }

    /** The kind header of every message sent to a phone's address, in order. */
    private static List<String> kindsSentTo(Vertx vertx, String deviceId) {
        List<String> kinds = new CopyOnWriteArrayList<>();
        vertx.eventBus().addOutboundInterceptor(delivery -> {
            if (delivery.message().address().equals(Addresses.phone(deviceId))) {
                kinds.add(String.valueOf(delivery.message().headers().get(PhoneRoutes.KIND_HEADER)));
            }
            delivery.next();
        });
        return kinds;
    }
}
