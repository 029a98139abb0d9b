package io.relay.bench;

import io.relay.warmup.SioConnection;

import io.relay.bench.BenchOptions.Mode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One simulated phone and its browser: the phone registers (or, against the forwarder, pairs by id), the
 * browser pairs through the REST + QR-scan flow, and both send and receive tagged messages, which
 * {@link Tally} times. A dropped connection reconnects as the app would.
 */
final class SimulatedPair {
    final int index;
    final String deviceId;
    final Worker worker;
    final URI phoneUrl;
    final URI webUrl;
    final WebSocketClient client;
    final String phoneNumber;
    private final Mode mode;
    private final String body;
    private final Tally tally;
    SioConnection phone;
    SioConnection web;
    String sessionToken;
    Promise<Void> phoneReady;
    Promise<Void> webReady;
    Promise<Void> scanned;
    volatile boolean running = true; // cleared by the run's end, read on the worker's event loop

    SimulatedPair(int index, String deviceId, Worker worker, URI phoneUrl, URI webUrl, WebSocketClient client,
                  Mode mode, String body, Tally tally) {
        this.index = index;
        this.deviceId = deviceId;
        this.worker = worker;
        this.phoneUrl = phoneUrl;
        this.webUrl = webUrl;
        this.client = client;
        this.phoneNumber = "+1555" + String.format("%07d", index);
        this.mode = mode;
        this.body = body;
        this.tally = tally;
    }

    Future<Void> connectPhone() {
        Promise<Void> done = Promise.promise();
        worker.context.runOnContext(v -> openPhone().onComplete(done));
        return done.future();
    }

    private Future<Void> openPhone() {
        return SioConnection.open(client, phoneUrl).compose(connection -> {
            phone = connection.onEvent(this::onPhoneEvent).onClose(() -> lost(true));
            phoneReady = Promise.promise();
            if (mode == Mode.FORWARDER) {
                connection.emit("pair", new JsonObject().put("id", deviceId).put("role", "phone"));
            } else {
                connection.emit("mobile:register", new JsonObject().put("deviceId", deviceId)
                        .put("deviceName", "bench phone " + index).put("deviceModel", "bench"));
            }
            return phoneReady.future();
        });
    }

    /** Pairs this phone with a new browser, starting at the intended time {@code at}; records pairing latency. */
    Future<Void> pair(long at) {
        Promise<Void> done = Promise.promise();
        worker.context.runOnContext(v -> {
            long delay = TimeUnit.NANOSECONDS.toMillis(at - System.nanoTime());
            Runnable start = () -> pairNow(at).onComplete(done);
            if (delay >= 1) {
                worker.context.owner().setTimer(delay, id -> start.run());
            } else {
                start.run();
            }
        });
        return done.future();
    }

    private Future<Void> pairNow(long intended) {
        if (mode == Mode.FORWARDER) {
            return openWeb().onSuccess(v -> tally.recordPairing(index, intended));
        }
        long started = System.nanoTime();
        long[] at = new long[3]; // generate-qr answered, qr:paired, wait-pairing answered
        return worker.http.request(HttpMethod.GET, webUrl.getPort(), webUrl.getHost(), "/api/auth/generate-qr")
                .compose(request -> request.send())
                .compose(response -> response.body().map(b -> expectSuccess(response.statusCode(), b, "generate-qr")))
                .compose(qr -> {
                    at[0] = System.nanoTime();
                    String token = qr.getJsonObject("data").getString("token");
                    String qrData = qr.getJsonObject("data").getString("qrData");
                    Future<JsonObject> waited = worker.http.request(HttpMethod.POST, webUrl.getPort(), webUrl.getHost(), "/api/auth/wait-pairing")
                            .compose(request -> request.putHeader("content-type", "application/json")
                                    .send(new JsonObject().put("token", token).toBuffer()))
                            .compose(response -> response.body().map(b -> expectSuccess(response.statusCode(), b, "wait-pairing")))
                            .onSuccess(w -> at[2] = System.nanoTime());
                    scanned = Promise.promise();
                    phone.emit("mobile:scan-qr", new JsonObject().put("qrData", qrData).put("deviceId", deviceId));
                    return Future.all(waited, scanned.future().onSuccess(s -> at[1] = System.nanoTime()))
                            .map(all -> (JsonObject) all.resultAt(0));
                })
                .compose(waited -> {
                    sessionToken = waited.getJsonObject("data").getString("sessionToken");
                    tally.recordPairing(index, intended);
                    if (tally.recordStages) {
                        tally.pairingStages.add(stagesOf(intended, started, at));
                    }
                    return openWeb();
                });
    }

    /** This pairing's stages, ending now; {@code at}: generate-qr answered, qr:paired, wait-pairing answered. */
    private Tally.PairingStages stagesOf(long intended, long started, long[] at) {
        long now = System.nanoTime();
        long intendedEpochMs = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(now - intended);
        return new Tally.PairingStages(index, intendedEpochMs, micros(started - intended), micros(at[0] - started),
                micros(at[1] - at[0]), micros(at[2] - at[0]), micros(now - intended));
    }

    private static long micros(long nanos) {
        return TimeUnit.NANOSECONDS.toMicros(nanos);
    }

    private Future<Void> openWeb() {
        return SioConnection.open(client, webUrl).compose(connection -> {
            web = connection.onEvent(this::onWebEvent).onClose(() -> lost(false));
            webReady = Promise.promise();
            if (mode == Mode.FORWARDER) {
                connection.emit("pair", new JsonObject().put("id", deviceId).put("role", "web"));
            } else {
                connection.emit("web:authenticate", new JsonObject().put("sessionToken", sessionToken));
            }
            return webReady.future();
        });
    }

    void sendFromPhone(int generation, long intended, long seq) {
        if (phone == null || phone.isClosed()) {
            return;
        }
        tally.p2bSent.incrementAndGet();
        JsonObject message = new JsonObject()
                .put("id", generation + "." + intended + "." + seq)
                .put("conversationId", "c-" + index)
                .put("phoneNumber", phoneNumber)
                .put("body", body)
                .put("timestamp", System.currentTimeMillis())
                .put("type", "received")
                .put("read", false);
        phone.emit("mobile:messages", new JsonObject().put("messages", new JsonArray().add(message)));
    }

    void sendFromBrowser(int generation, long intended, long seq) {
        if (web == null || web.isClosed()) {
            return;
        }
        tally.b2pSent.incrementAndGet();
        web.emit("web:send-message", new JsonObject().put("phoneNumber", phoneNumber).put("message", body)
                .put("tempId", generation + "." + intended + "." + seq));
    }

    private void onPhoneEvent(String event, Object arg) {
        switch (event) {
            case "authenticated", "paired" -> phoneReady.tryComplete();
            case "qr:paired" -> {
                if (scanned != null) {
                    scanned.tryComplete();
                }
            }
            case "send:message", "web:send-message" -> tally.received(((JsonObject) arg).getString("tempId"), tally.b2p, tally.b2pReceived);
            case "error" -> {
                tally.error("phone: " + arg);
                if (scanned != null && !scanned.future().isComplete()) {
                    scanned.tryFail("scan refused: " + arg);
                }
            }
            default -> { }
        }
    }

    private void onWebEvent(String event, Object arg) {
        switch (event) {
            case "authenticated", "paired" -> webReady.tryComplete();
            case "messages:sync", "mobile:messages" -> {
                JsonArray messages = ((JsonObject) arg).getJsonArray("messages");
                for (int i = 0; i < messages.size(); i++) {
                    tally.received(messages.getJsonObject(i).getString("id"), tally.p2b, tally.p2bReceived);
                }
            }
            case "error" -> tally.error("browser: " + arg);
            default -> { }
        }
    }

    /** A connection dropped mid-run: count it and reconnect as the app would (register / authenticate again). */
    private void lost(boolean isPhone) {
        if (!running) {
            return;
        }
        tally.reconnects.incrementAndGet();
        Supplier<Future<Void>> reopen = isPhone ? this::openPhone : this::openWeb;
        worker.context.owner().setTimer(100, id -> {
            if (running) { // the run may have ended meanwhile, and its client with it
                reopen.get().onFailure(e -> tally.error("reconnect failed: " + e.getMessage()));
            }
        });
    }

    void closeQuietly() {
        running = false;
        if (phone != null) {
            worker.context.runOnContext(v -> phone.close());
        }
        if (web != null) {
            worker.context.runOnContext(v -> web.close());
        }
    }

    private static JsonObject expectSuccess(int status, Buffer body, String call) {
        if (status != 200) {
            throw new IllegalStateException(call + " answered " + status + ": " + body);
        }
        return body.toJsonObject();
    }
}
