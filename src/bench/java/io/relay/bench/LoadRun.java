package io.relay.bench;

import io.relay.bench.BenchOptions.Mode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One load run: pairs phones and browsers, opens idle connections, then drives each rate step with a
 * fixed arrival schedule. Latencies are recorded in microseconds from a message's <em>intended</em> send
 * time (coordinated-omission aware): when the tool or the server falls behind, the queue shows up as
 * latency instead of as a lower send rate.
 */
public final class LoadRun {

    static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(2);
    private static final int CONNECT_CONCURRENCY = 64;
    private static final long DRAIN_MILLIS = 5_000;

    private final BenchOptions options;
    private final PrintStream console;
    private final Vertx vertx;
    private final List<Worker> workers = new ArrayList<>();
    private final List<Pair> pairs = new ArrayList<>();
    private final List<SioConnection> idle = new ArrayList<>();
    private final String body;
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

    final Recorder p2b = new Recorder(HIGHEST_MICROS, 3);
    final Recorder b2p = new Recorder(HIGHEST_MICROS, 3);
    final Histogram pairing = new Histogram(HIGHEST_MICROS, 3);
    final AtomicLong p2bReceived = new AtomicLong();
    final AtomicLong b2pReceived = new AtomicLong();
    /** Received messages of the measured generation only (stragglers of a warm-up do not count). */
    final AtomicLong measuredReceived = new AtomicLong();
    final AtomicLong p2bSent = new AtomicLong();
    final AtomicLong b2pSent = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();
    final AtomicLong lastError = new AtomicLong();
    private volatile String lastErrorText = "";
    /** Messages are tagged with the step generation; only the measured generation is recorded. */
    private volatile int measuredGeneration = -1;

    public LoadRun(BenchOptions options, PrintStream console) {
        this.options = options;
        this.console = console;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.clientThreads()));
        this.body = "x".repeat(options.messageSize());
        int sources = Math.max(1, options.sourceAddresses().size());
        for (int k = 0; k < options.clientThreads(); k++) {
            List<WebSocketClient> clients = new ArrayList<>();
            for (int s = 0; s < sources; s++) {
                WebSocketClientOptions wsOptions = new WebSocketClientOptions()
                        .setMaxFrameSize(1 << 20).setMaxMessageSize(4 << 20).setMaxConnections(Integer.MAX_VALUE);
                if (!options.sourceAddresses().isEmpty()) {
                    wsOptions.setLocalAddress(options.sourceAddresses().get(s));
                }
                clients.add(vertx.createWebSocketClient(wsOptions));
            }
            HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                    new PoolOptions().setHttp1MaxSize(64));
            workers.add(new Worker(vertx.getOrCreateContext(), clients, http));
        }
    }

    /** Runs everything and returns the results; always closes the tool's Vert.x. */
    public BenchResult run() throws Exception {
        try {
            return runSteps();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private BenchResult runSteps() throws Exception {
        BenchResult result = new BenchResult(options);
        for (int i = 0; i < options.pairs(); i++) {
            Worker worker = workers.get(i % workers.size());
            Pair pair = new Pair(i, "bench-" + runId + "-" + i, worker,
                    url(i), url(i + 1), worker.clients.get((i / workers.size()) % worker.clients.size()));
            pairs.add(pair);
            worker.pairs.add(pair);
        }
        say("connecting %d phones to %s (%s)", pairs.size(), options.urls(), options.mode().name().toLowerCase());
        await(limited(pairs.size(), i -> pairs.get(i).connectPhone()), "phones");
        say("pairing %d browsers at %d pairings/s", pairs.size(), options.pairingRate());
        long pairingStart = System.nanoTime();
        await(Future.all(pairs.stream().map(p -> p.pair(pairingStart + (long) (p.index * 1e9 / options.pairingRate()))).toList()), "pairing");
        result.pairing = pairing.copy();
        say("paired: p50 %.1f ms, p99 %.1f ms, max %.1f ms", ms(pairing.getValueAtPercentile(50)),
                ms(pairing.getValueAtPercentile(99)), ms(pairing.getMaxValue()));

        if (options.idle() > 0) {
            if (options.heapPid() > 0) {
                result.before = Probe.weigh(options.heapPid());
            }
            say("opening %d idle connections", options.idle());
            await(limited(options.idle(), this::openIdle), "idle connections");
            if (options.heapPid() > 0) {
                Thread.sleep(1_000);
                result.after = Probe.weigh(options.heapPid());
            }
            say("%d idle connections open", idle.size());
        }

        if (!options.prewarm().isZero()) {
            int rate = options.rates().get(0);
            say("pre-warm %d s at %d msg/s", options.prewarm().toSeconds(), rate);
            drive(rate, Math.max(1, rate / 10), 0, options.prewarm().toMillis(), null, result);
        }
        int generation = 0;
        int misses = 0;
        for (int rate : options.rates()) {
            int webRate = options.rates().size() == 1 ? options.webRate() : Math.max(1, rate / 10);
            BenchResult.Step step = runStep(rate, webRate, ++generation, ++generation, result);
            result.steps.add(step);
            say("%s", step.oneLine());
            // A p99 miss can be a pause of a shared machine, so the sweep goes on; a median over the SLO (or
            // loss) in two steps in a row means the server is saturated: stop.
            misses = step.p2b.getValueAtPercentile(50) > options.sloP99Millis() * 1000 || step.lost() > 0 ? misses + 1 : 0;
            if (misses == 2 && options.rates().size() > 1) {
                say("saturated (p50 over %.0f ms twice in a row): sweep stops", options.sloP99Millis());
                break;
            }
        }
        result.errors = errors.get();
        result.reconnects = reconnects.get();
        result.lastError = lastErrorText;
        for (Pair pair : pairs) {
            pair.closeQuietly();
        }
        idle.forEach(SioConnection::close);
        return result;
    }

    private BenchResult.Step runStep(int rate, int webRate, int warmGen, int measuredGen, BenchResult result) throws Exception {
        long errorsBefore = errors.get();
        if (!options.warmup().isZero()) {
            say("step %d msg/s: warm-up %d s", rate, options.warmup().toSeconds());
            drive(rate, webRate, warmGen, options.warmup().toMillis(), null, result);
        }
        measuredGeneration = measuredGen;
        p2b.reset();
        b2p.reset();
        BenchResult.Step step = new BenchResult.Step(rate, webRate);
        long sentP2b = p2bSent.get();
        long sentB2p = b2pSent.get();
        measuredReceived.set(0);
        double cpuBefore = options.cpuPids().isEmpty() ? -1 : Probe.cpuMillis(options.cpuPids());
        drive(rate, webRate, measuredGen, options.duration().toMillis(), step, result);
        double cpuAfter = cpuBefore < 0 ? -1 : Probe.cpuMillis(options.cpuPids());
        long sentP = p2bSent.get() - sentP2b;
        long sentB = b2pSent.get() - sentB2p;
        // Let in-flight messages of this step arrive: late ones count, with their full latency.
        long drainUntil = System.currentTimeMillis() + DRAIN_MILLIS;
        while (System.currentTimeMillis() < drainUntil && measuredReceived.get() < sentP + sentB) {
            Thread.sleep(20);
        }
        step.p2b.add(p2b.getIntervalHistogram());
        step.b2p.add(b2p.getIntervalHistogram());
        measuredGeneration = -1;
        step.p2bSent = sentP;
        step.b2pSent = sentB;
        step.p2bReceived = step.p2b.getTotalCount();
        step.b2pReceived = step.b2p.getTotalCount();
        step.seconds = options.duration().toMillis() / 1000.0;
        step.errors = errors.get() - errorsBefore;
        step.cpuMillis = cpuAfter < 0 ? -1 : cpuAfter - cpuBefore;
        step.serverHeapUsedBytes = ServerMetrics.heapUsed(workers.get(0).http, options.urls().stream().distinct().toList())
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return step;
    }

    /** Sends on the fixed schedule for {@code millis}, printing progress each second. */
    private void drive(int rate, int webRate, int generation, long millis, BenchResult.Step step, BenchResult result) throws Exception {
        long start = System.nanoTime();
        List<Long> timers = new ArrayList<>();
        for (Worker worker : workers) {
            if (worker.pairs.isEmpty()) {
                continue;
            }
            double share = (double) worker.pairs.size() / pairs.size();
            Promise<Long> timer = Promise.promise();
            long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
            worker.context.runOnContext(v -> timer.complete(worker.startSchedule(start, end, rate * share, webRate * share, generation)));
            timers.add(timer.future().toCompletionStage().toCompletableFuture().get());
        }
        long lastP2b = p2bReceived.get();
        long lastB2p = b2pReceived.get();
        long lastErrors = errors.get();
        long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        long next = start + TimeUnit.SECONDS.toNanos(1);
        int second = 0;
        while (true) {
            long now = System.nanoTime();
            long wake = Math.min(next, end);
            if (wake > now) {
                Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wake - now)));
                continue;
            }
            if (now >= next || now >= end) {
                second++;
                long p = p2bReceived.get();
                long b = b2pReceived.get();
                long e = errors.get();
                result.timeline.add(new long[]{result.timeline.size() + 1, p - lastP2b, b - lastB2p, rate});
                String latencies = "";
                if (step != null) {
                    Histogram ip = p2b.getIntervalHistogram();
                    Histogram ib = b2p.getIntervalHistogram();
                    step.p2b.add(ip);
                    step.b2p.add(ib);
                    step.intervals.add(new Histogram[]{ip, ib});
                    latencies = String.format(" | p2b p50 %.1f p99 %.1f max %.1f ms | b2p p99 %.1f ms",
                            ms(ip.getValueAtPercentile(50)), ms(ip.getValueAtPercentile(99)), ms(ip.getMaxValue()),
                            ms(ib.getValueAtPercentile(99)));
                }
                if (!options.quiet()) {
                    console.printf("[%s %5d/s %s %2ds] phone->browser %6d/s  browser->phone %5d/s  errors %d  reconnects %d%s%n",
                            options.label(), rate, step == null ? "warm" : "meas", second, p - lastP2b, b - lastB2p,
                            e - lastErrors, reconnects.get(), latencies);
                }
                lastP2b = p;
                lastB2p = b;
                lastErrors = e;
                next += TimeUnit.SECONDS.toNanos(1);
            }
            if (now >= end) {
                break;
            }
        }
        // The schedules send nothing intended at or after the end; cancel them and wait, so the counts are final.
        int t = 0;
        for (Worker worker : workers) {
            if (worker.pairs.isEmpty()) {
                continue;
            }
            long id = timers.get(t++);
            Promise<Void> cancelled = Promise.promise();
            worker.context.runOnContext(v -> {
                vertx.cancelTimer(id);
                cancelled.complete();
            });
            cancelled.future().toCompletionStage().toCompletableFuture().get();
        }
    }

    private Future<Void> openIdle(int i) {
        Worker worker = workers.get(i % workers.size());
        WebSocketClient client = worker.clients.get((i / workers.size()) % worker.clients.size());
        Promise<Void> done = Promise.promise();
        worker.context.runOnContext(v -> SioConnection.open(client, url(i)).onComplete(ar -> {
            if (ar.succeeded()) {
                synchronized (idle) {
                    idle.add(ar.result());
                }
                ar.result().onClose(reconnects::incrementAndGet);
                done.complete();
            } else {
                done.fail(ar.cause());
            }
        }));
        return done.future();
    }

    private URI url(int i) {
        return options.urls().get(i % options.urls().size());
    }

    private void error(String text) {
        errors.incrementAndGet();
        lastErrorText = text;
    }

    /** Starts {@code count} tasks with at most {@link #CONNECT_CONCURRENCY} in flight; fails on the first failure. */
    private Future<Void> limited(int count, java.util.function.IntFunction<Future<Void>> task) {
        Promise<Void> all = Promise.promise();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        if (count == 0) {
            return Future.succeededFuture();
        }
        Runnable[] startOne = new Runnable[1];
        startOne[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= count) {
                return;
            }
            task.apply(i).onComplete(ar -> {
                if (ar.failed()) {
                    all.tryFail(ar.cause());
                    return;
                }
                if (done.incrementAndGet() == count) {
                    all.tryComplete();
                } else {
                    startOne[0].run();
                }
            });
        };
        for (int i = 0; i < Math.min(CONNECT_CONCURRENCY, count); i++) {
            startOne[0].run();
        }
        return all.future();
    }

    private static void await(Future<?> future, String what) throws Exception {
        try {
            future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void say(String format, Object... args) {
        console.printf("[%s] " + format + "%n", prepend(options.label(), args));
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    static double ms(long micros) {
        return micros / 1000.0;
    }

    /** An event loop of the tool with the pairs it drives; its timer and connections live on its context. */
    private final class Worker {
        final Context context;
        final List<WebSocketClient> clients;
        final HttpClient http;
        final List<Pair> pairs = new ArrayList<>();

        Worker(Context context, List<WebSocketClient> clients, HttpClient http) {
            this.context = context;
            this.clients = clients;
            this.http = http;
        }

        /** A 1 ms timer that sends whatever the schedule says is due; returns the timer id. */
        long startSchedule(long start, long end, double rate, double webRate, int generation) {
            long[] sent = new long[2];
            double phoneInterval = rate > 0 ? 1e9 / rate : Double.MAX_VALUE;
            double webInterval = webRate > 0 ? 1e9 / webRate : Double.MAX_VALUE;
            return vertx.setPeriodic(0, 1, id -> {
                long now = System.nanoTime();
                long elapsed = Math.min(now, end - 1) - start;
                long duePhone = (long) (elapsed / phoneInterval) + 1;
                while (sent[0] < duePhone) {
                    long intended = start + (long) (sent[0] * phoneInterval);
                    pairs.get((int) (sent[0] % pairs.size())).sendFromPhone(generation, intended, sent[0]);
                    sent[0]++;
                }
                long dueWeb = (long) (elapsed / webInterval) + 1;
                while (sent[1] < dueWeb) {
                    long intended = start + (long) (sent[1] * webInterval);
                    pairs.get((int) (sent[1] % pairs.size())).sendFromBrowser(generation, intended, sent[1]);
                    sent[1]++;
                }
            });
        }
    }

    /** One simulated phone and its browser. */
    private final class Pair {
        final int index;
        final String deviceId;
        final Worker worker;
        final URI phoneUrl;
        final URI webUrl;
        final WebSocketClient client;
        final String phoneNumber;
        SioConnection phone;
        SioConnection web;
        String sessionToken;
        Promise<Void> phoneReady;
        Promise<Void> webReady;
        Promise<Void> scanned;
        boolean running = true;

        Pair(int index, String deviceId, Worker worker, URI phoneUrl, URI webUrl, WebSocketClient client) {
            this.index = index;
            this.deviceId = deviceId;
            this.worker = worker;
            this.phoneUrl = phoneUrl;
            this.webUrl = webUrl;
            this.client = client;
            this.phoneNumber = "+1555" + String.format("%07d", index);
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
                if (options.mode() == Mode.FORWARDER) {
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
                    vertx.setTimer(delay, id -> start.run());
                } else {
                    start.run();
                }
            });
            return done.future();
        }

        private Future<Void> pairNow(long intended) {
            if (options.mode() == Mode.FORWARDER) {
                return openWeb().onSuccess(v -> recordPairing(intended));
            }
            return worker.http.request(HttpMethod.GET, webUrl.getPort(), webUrl.getHost(), "/api/auth/generate-qr")
                    .compose(request -> request.send())
                    .compose(response -> response.body().map(b -> expectSuccess(response.statusCode(), b, "generate-qr")))
                    .compose(qr -> {
                        String token = qr.getJsonObject("data").getString("token");
                        String qrData = qr.getJsonObject("data").getString("qrData");
                        Future<JsonObject> waited = worker.http.request(HttpMethod.POST, webUrl.getPort(), webUrl.getHost(), "/api/auth/wait-pairing")
                                .compose(request -> request.putHeader("content-type", "application/json")
                                        .send(new JsonObject().put("token", token).toBuffer()))
                                .compose(response -> response.body().map(b -> expectSuccess(response.statusCode(), b, "wait-pairing")));
                        scanned = Promise.promise();
                        phone.emit("mobile:scan-qr", new JsonObject().put("qrData", qrData).put("deviceId", deviceId));
                        return Future.all(waited, scanned.future()).map(all -> (JsonObject) all.resultAt(0));
                    })
                    .compose(waited -> {
                        sessionToken = waited.getJsonObject("data").getString("sessionToken");
                        recordPairing(intended);
                        return openWeb();
                    });
        }

        private void recordPairing(long intended) {
            synchronized (pairing) {
                // A pairing started up to 1 ms early (timer granularity) counts as zero, never negative.
                pairing.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - intended))));
            }
        }

        private Future<Void> openWeb() {
            return SioConnection.open(client, webUrl).compose(connection -> {
                web = connection.onEvent(this::onWebEvent).onClose(() -> lost(false));
                webReady = Promise.promise();
                if (options.mode() == Mode.FORWARDER) {
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
            p2bSent.incrementAndGet();
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
            b2pSent.incrementAndGet();
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
                case "send:message", "web:send-message" -> received(((JsonObject) arg).getString("tempId"), b2p, b2pReceived);
                case "error" -> {
                    error("phone: " + arg);
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
                        received(messages.getJsonObject(i).getString("id"), p2b, p2bReceived);
                    }
                }
                case "error" -> error("browser: " + arg);
                default -> { }
            }
        }

        private void received(String tag, Recorder recorder, AtomicLong counter) {
            long now = System.nanoTime();
            int dot = tag.indexOf('.');
            int dot2 = tag.indexOf('.', dot + 1);
            if (dot < 0 || dot2 < 0) {
                return;
            }
            counter.incrementAndGet();
            if (Integer.parseInt(tag, 0, dot, 10) == measuredGeneration) {
                measuredReceived.incrementAndGet();
                long intended = Long.parseLong(tag, dot + 1, dot2, 10);
                recorder.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, TimeUnit.NANOSECONDS.toMicros(now - intended))));
            }
        }

        /** A connection dropped mid-run: count it and reconnect as the app would (register / authenticate again). */
        private void lost(boolean isPhone) {
            if (!running) {
                return;
            }
            reconnects.incrementAndGet();
            Supplier<Future<Void>> reopen = isPhone ? this::openPhone : this::openWeb;
            vertx.setTimer(100, id -> reopen.get().onFailure(e -> error("reconnect failed: " + e.getMessage())));
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
    }

    private static JsonObject expectSuccess(int status, Buffer body, String call) {
        if (status != 200) {
            throw new IllegalStateException(call + " answered " + status + ": " + body);
        }
        return body.toJsonObject();
    }
}
