package io.relay.warmup;

import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One throwaway phone and its browser, doing what the apps do, in the order they do it: the phone
 * registers; the browser asks for a QR, waits for it, the phone scans it; the browser authenticates and
 * asks for a sync, which the phone answers with its conversations; then messages both ways with their
 * statuses. The conversations and the last exchange ask for the relay's acknowledgements, so once a round
 * is done everything it wrote is stored (what the warm-up then removes). Runs on the context it was started from.
 */
final class WarmupPair {
    /** Longest one step may take before the round is given up (a warm node answers in milliseconds). */
    static final long STEP_TIMEOUT_MS = 10_000;

    private final HttpClient http;
    private final WebSocketClient sockets;
    private final URI base;
    private final String deviceId;
    private final int messages;
    private final Map<String, Promise<Object>> phoneExpects = new HashMap<>();
    private final Map<String, Promise<Object>> webExpects = new HashMap<>();
    private SioConnection phone;
    private SioConnection web;

    WarmupPair(HttpClient http, WebSocketClient sockets, URI base, String deviceId, int messages) {
        this.http = http;
        this.sockets = sockets;
        this.base = base;
        this.deviceId = deviceId;
        this.messages = messages;
    }

    String deviceId() {
        return deviceId;
    }

    /** Pairs, syncs and exchanges the messages; completes with the number of messages relayed each way. Closes both sockets either way. */
    Future<Integer> round() {
        return registerPhone()
                .compose(v -> pair())
                .compose(this::authenticateBrowser)
                .compose(v -> sync())
                .compose(v -> exchange(0))
                .map(v -> messages)
                .eventually(this::close);
    }

    private Future<Void> registerPhone() {
        return SioConnection.open(sockets, base).compose(connection -> {
            phone = connection.onEvent((event, arg) -> settle(phoneExpects, event, arg));
            Future<Object> registered = expect(phoneExpects, Events.AUTHENTICATED);
            phone.emit(Events.MOBILE_REGISTER, new JsonObject().put("deviceId", deviceId)
                    .put("deviceName", "relay warm-up").put("deviceModel", "relay"));
            return registered.mapEmpty();
        });
    }

    /** The browser's REST pairing against the phone's scan; completes with the session token. */
    private Future<String> pair() {
        return http.request(HttpMethod.GET, base.getPort(), base.getHost(), "/api/auth/generate-qr")
                .compose(request -> request.send())
                .compose(response -> response.body().map(body -> data(response.statusCode(), body.toJsonObject(), "generate-qr")))
                .compose(qr -> {
                    Future<JsonObject> waited = http.request(HttpMethod.POST, base.getPort(), base.getHost(), "/api/auth/wait-pairing")
                            .compose(request -> request.putHeader("content-type", "application/json")
                                    .send(new JsonObject().put("token", qr.getString("token")).toBuffer()))
                            .compose(response -> response.body().map(body -> data(response.statusCode(), body.toJsonObject(), "wait-pairing")))
                            // The long-poll itself may last the QR's lifetime: a lost wake-up must not hold the round that long.
                            .timeout(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    Future<Object> scanned = expect(phoneExpects, Events.QR_PAIRED);
                    phone.emit(Events.MOBILE_SCAN_QR, new JsonObject().put("qrData", qr.getString("qrData")).put("deviceId", deviceId));
                    return Future.all(waited, scanned).map(all -> waited.result().getString("sessionToken"));
                });
    }

    private Future<Void> authenticateBrowser(String sessionToken) {
        return SioConnection.open(sockets, base).compose(connection -> {
            web = connection.onEvent((event, arg) -> settle(webExpects, event, arg));
            Future<Object> authenticated = expect(webExpects, Events.AUTHENTICATED);
            web.emit(Events.WEB_AUTHENTICATE, new JsonObject().put("sessionToken", sessionToken));
            return authenticated.mapEmpty();
        });
    }

    /** The browser asks for a sync; the phone answers with its conversation list, which reaches the browser. */
    private Future<Void> sync() {
        Future<Object> asked = expect(phoneExpects, Events.REQUEST_SYNC);
        Future<Object> listed = expect(webExpects, Events.CONVERSATIONS_SYNC);
        web.emit(Events.WEB_REQUEST_SYNC); // no payload, as the web app sends it
        return asked.compose(request -> acked(phone.emitWithAck(Events.MOBILE_CONVERSATIONS, new JsonObject()
                        .put("conversations", new JsonArray().add(new JsonObject().put("id", "c-1").put("phoneNumber", "+15550000001")
                                .put("lastMessage", "warm-up").put("lastMessageTime", System.currentTimeMillis()).put("unreadCount", 0))))))
                .compose(v -> listed.mapEmpty());
    }

    /**
     * One message from the phone, one send from the browser and its status from the phone, then the next.
     * Sent without acknowledgement, as the apps send them, but for the last exchange: its acks say the
     * round's writes are stored (they commit in the order they were handed over).
     */
    private Future<Void> exchange(int i) {
        if (i == messages) {
            return Future.succeededFuture();
        }
        boolean last = i == messages - 1;
        String tempId = deviceId + "-sent-" + i;
        Future<Object> relayed = expect(webExpects, Events.MESSAGES_SYNC);
        Future<Object> fromPhone = send(phone, last, Events.MOBILE_MESSAGES, new JsonObject().put("messages", new JsonArray()
                .add(new JsonObject().put("id", deviceId + "-in-" + i).put("conversationId", "c-1").put("phoneNumber", "+15550000001")
                        .put("body", "warm-up message " + i).put("timestamp", System.currentTimeMillis()).put("type", "received").put("read", false))));
        return Future.all(fromPhone, relayed)
                .compose(v -> {
                    Future<Object> toPhone = expect(phoneExpects, Events.SEND_MESSAGE);
                    Future<Object> sent = send(web, last, Events.WEB_SEND_MESSAGE, new JsonObject()
                            .put("phoneNumber", "+15550000001").put("message", "warm-up reply " + i).put("tempId", tempId));
                    return Future.all(toPhone, sent);
                })
                .compose(v -> {
                    Future<Object> status = expect(webExpects, Events.MESSAGE_STATUS);
                    Future<Object> reported = send(phone, last, Events.MOBILE_MESSAGE_STATUS,
                            new JsonObject().put("messageId", tempId).put("status", "sent"));
                    return Future.all(reported, status);
                })
                .compose(v -> exchange(i + 1));
    }

    private static Future<Object> send(SioConnection connection, boolean withAck, String event, JsonObject payload) {
        if (withAck) {
            return acked(connection.emitWithAck(event, payload));
        }
        connection.emit(event, payload);
        return Future.succeededFuture();
    }

    private Future<Void> close() {
        return Future.join(closeQuietly(phone), closeQuietly(web)).mapEmpty();
    }

    private static Future<Void> closeQuietly(SioConnection connection) {
        return connection == null || connection.isClosed() ? Future.succeededFuture() : connection.close().otherwiseEmpty();
    }

    /** A promise completed by the next event of that name on that socket, failed if none comes in time. */
    private Future<Object> expect(Map<String, Promise<Object>> expects, String event) {
        Promise<Object> promise = Promise.promise();
        expects.put(event, promise);
        return promise.future().timeout(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private static void settle(Map<String, Promise<Object>> expects, String event, Object arg) {
        if (Events.ERROR.equals(event)) {
            // The relay refused something of ours: fail whatever this socket waits for, with its words.
            expects.values().forEach(p -> p.tryFail("the relay answered error: " + arg));
            expects.clear();
            return;
        }
        Promise<Object> promise = expects.remove(event);
        if (promise != null) {
            promise.tryComplete(arg);
        }
    }

    /** The acknowledgement of a client event, failed unless it says {@code success: true}. */
    private static Future<Object> acked(Future<Object> ack) {
        return ack.timeout(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS).compose(answer -> answer instanceof JsonObject json
                && Boolean.TRUE.equals(json.getBoolean("success"))
                ? Future.succeededFuture(answer)
                : Future.failedFuture("the relay did not accept it: " + answer));
    }

    private static JsonObject data(int status, JsonObject body, String call) {
        if (status != 200 || body == null || !Boolean.TRUE.equals(body.getBoolean("success"))) {
            throw new IllegalStateException(call + " answered " + status + ": " + body);
        }
        return body.getJsonObject("data");
    }
}
