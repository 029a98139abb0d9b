package io.relay.bench;

import io.relay.warmup.SioConnection;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
    private final List<SimulatedPair> pairs = new ArrayList<>();
    private final List<SioConnection> idle = new ArrayList<>();
    private final String body;
    private final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    private final Tally tally = new Tally();
    private Driver driver;

    public LoadRun(BenchOptions options, PrintStream console) {
        this.options = options;
        this.console = console;
        // epoll, as the relay runs: each worker's 1 ms schedule timer would make a NIO event loop spin on
        // non-blocking selects for up to half a millisecond before every tick, taking a core of the machine
        // the servers under test run on.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.clientThreads()).setPreferNativeTransport(true));
        this.body = "x".repeat(options.messageSize());
        tally.recordStages = options.pairingStages() != null;
        tally.unmeasuredPairings = options.pairingWarmup();
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
            SimulatedPair pair = new SimulatedPair(i, "bench-" + runId + "-" + i, worker,
                    url(i), url(i + 1), worker.clients.get((i / workers.size()) % worker.clients.size()),
                    options.mode(), body, tally);
            pairs.add(pair);
            worker.pairs.add(pair);
        }
        driver = new Driver(workers, tally, options, console);
        say("connecting %d phones to %s (%s; the tool's transport: %s)", pairs.size(), options.urls(),
                options.mode().name().toLowerCase(), vertx.isNativeTransportEnabled() ? "epoll" : "NIO");
        await(limited(pairs.size(), i -> pairs.get(i).connectPhone()), "phones");
        say("pairing %d browsers at %d pairings/s", pairs.size(), options.pairingRate());
        long pairingStart = System.nanoTime();
        await(Future.all(pairs.stream().map(p -> p.pair(pairingStart + (long) (p.index * 1e9 / options.pairingRate()))).toList()), "pairing");
        result.pairing = tally.pairing.copy();
        if (options.pairingStages() != null) {
            writeStages(options.pairingStages());
        }
        say("paired: p50 %.1f ms, p99 %.1f ms, max %.1f ms", ms(result.pairing.getValueAtPercentile(50)),
                ms(result.pairing.getValueAtPercentile(99)), ms(result.pairing.getMaxValue()));

        if (options.idle() > 0) {
            if (options.heapPid() > 0) {
                result.before = Probe.weighAtRest(options.heapPid());
            }
            say("opening %d idle connections", options.idle());
            await(limited(options.idle(), this::openIdle), "idle connections");
            if (options.heapPid() > 0) {
                Thread.sleep(1_000);
                result.after = Probe.weighInService(options.heapPid());
            }
            say("%d idle connections open", idle.size());
        }

        if (!options.prewarm().isZero()) {
            int rate = options.rates().get(0);
            say("pre-warm %d s at %d msg/s", options.prewarm().toSeconds(), rate);
            driver.drive(rate, Math.max(1, rate / 10), 0, options.prewarm().toMillis(), null, result);
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
        result.errors = tally.errors.get();
        result.reconnects = tally.reconnects.get();
        result.lastError = tally.lastError();
        for (SimulatedPair pair : pairs) {
            pair.closeQuietly();
        }
        idle.forEach(SioConnection::close);
        return result;
    }

    private BenchResult.Step runStep(int rate, int webRate, int warmGen, int measuredGen, BenchResult result) throws Exception {
        long errorsBefore = tally.errors.get();
        if (!options.warmup().isZero()) {
            say("step %d msg/s: warm-up %d s", rate, options.warmup().toSeconds());
            driver.drive(rate, webRate, warmGen, options.warmup().toMillis(), null, result);
        }
        tally.measure(measuredGen);
        tally.p2b.reset();
        tally.b2p.reset();
        BenchResult.Step step = new BenchResult.Step(rate, webRate);
        long sentP2b = tally.p2bSent.get();
        long sentB2p = tally.b2pSent.get();
        tally.measuredReceived.set(0);
        double cpuBefore = options.cpuPids().isEmpty() ? -1 : Probe.cpuMillis(options.cpuPids());
        driver.drive(rate, webRate, measuredGen, options.duration().toMillis(), step, result);
        double cpuAfter = cpuBefore < 0 ? -1 : Probe.cpuMillis(options.cpuPids());
        long sentP = tally.p2bSent.get() - sentP2b;
        long sentB = tally.b2pSent.get() - sentB2p;
        // Let in-flight messages of this step arrive: late ones count, with their full latency.
        long drainUntil = System.currentTimeMillis() + DRAIN_MILLIS;
        while (System.currentTimeMillis() < drainUntil && tally.measuredReceived.get() < sentP + sentB) {
            Thread.sleep(20);
        }
        step.p2b.add(tally.p2b.getIntervalHistogram());
        step.b2p.add(tally.b2p.getIntervalHistogram());
        tally.measure(-1);
        step.p2bSent = sentP;
        step.b2pSent = sentB;
        step.p2bReceived = step.p2b.getTotalCount();
        step.b2pReceived = step.b2p.getTotalCount();
        step.seconds = options.duration().toMillis() / 1000.0;
        step.errors = tally.errors.get() - errorsBefore;
        step.cpuMillis = cpuAfter < 0 ? -1 : cpuAfter - cpuBefore;
        step.serverHeapUsedBytes = ServerMetrics.heapUsed(workers.get(0).http, options.urls().stream().distinct().toList())
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return step;
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
                ar.result().onClose(tally.reconnects::incrementAndGet);
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

    /** Each pairing's stages, one line a pairing in the order they completed. */
    private void writeStages(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(Tally.PairingStages.HEADER);
        synchronized (tally.pairingStages) {
            tally.pairingStages.forEach(s -> lines.add(s.tsv()));
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Files.write(file, lines);
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
}
