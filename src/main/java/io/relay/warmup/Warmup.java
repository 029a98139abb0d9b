package io.relay.warmup;

import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Warms a starting node up before it takes users: throwaway phones and browsers (see {@link WarmupPair})
 * pair and exchange messages through the node's real HTTP, Socket.IO, routing and storage code, on a
 * loopback server of its own, until the JIT compiler has caught up or the time allowed is over; then
 * every row they wrote is removed.
 *
 * <p>Why: a fresh JVM runs that code interpreted or lightly compiled for its first tens of seconds of
 * traffic, while the JIT compiler takes a core of its own. Measured on a 2-core host, a node's first
 * 5 s of pairings at 200/s left the next pairings at p50 10 ms (against 1.5 ms once warm) and a
 * compiler busy for 20 s more; the first users after every deploy would pay that. Done before the node
 * listens, the readiness probe and load balancer keep users away meanwhile.
 *
 * <p>Best effort by design: a failed round is logged and the warm-up goes on; too many failures end it
 * early; it never fails the node's start.
 */
public final class Warmup {
    private static final Logger log = LoggerFactory.getLogger(Warmup.class);

    /**
     * Pairs driven at once. A round mostly waits rather than computes (each of its browser sends rides the phone
     * events' commit, up to 20 ms), so the lanes set how many pairings a second the warm-up makes. Eight made about
     * 14: 500-800 by the time the JIT went quiet, about the calls after which it compiles a pairing's code fully with
     * the image's options, so it still compiled much of it on the first users (a median 1.6 s of the compiler's CPU
     * in the benchmarks' measured round of 2,000 pairings). Thirty-two make 1,900-2,300 in the same 40-50 s and leave
     * 0.5 s of it, none of it a pairing's own code (BENCHMARKS.md, twenty-second session).
     */
    static final int LANES = 32;
    /** Messages each way per pairing: pairing and messaging both get their share of the warm-up. */
    public static final int MESSAGES_PER_ROUND = 20;
    /** Least time spent, so the JIT has seen the paths before quiet can be judged. */
    static final Duration MINIMUM = Duration.ofSeconds(4);
    /** The JIT counts as caught up once it compiled for less than this share of a second, two seconds running. */
    static final double QUIET_SHARE = 0.10;
    /** Failed rounds after which the warm-up gives up (something is wrong that warming will not fix). */
    static final int MAX_FAILURES = 5;
    /**
     * How far past its limit a warm-up may run while its last rounds end. Then its clients are closed, which
     * ends every round still waiting (a node that does not answer, a wake-up that never comes): the node
     * starts listening whatever its warm-up met.
     */
    static final Duration OVERRUN = Duration.ofSeconds(5);

    /** What a warm-up did. {@code jitSettled} is false when it stopped at its time limit or on failures. */
    public record Report(int pairings, long messages, int failures, Duration took, boolean jitSettled) {
    }

    private final Vertx vertx;
    private final URI base;
    private final Store store;
    private final String devicePrefix;
    private final Duration limit;
    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    /** Devices of failed rounds: a write of theirs, never acknowledged, may land after their first removal. */
    private final List<String> unsettled = new ArrayList<>();
    private final long started = System.nanoTime();
    private int nextDevice;
    private int pairings;
    private long messages;
    private int failures;
    private boolean stopping;
    private boolean settled;
    private int quietSeconds;
    private long lastCompileMs;

    private Warmup(Vertx vertx, int port, Store store, String nodeId, Duration limit) {
        this.vertx = vertx;
        this.base = URI.create("http://127.0.0.1:" + port);
        this.store = store;
        this.devicePrefix = devicePrefix(nodeId);
        this.limit = limit;
    }

    /**
     * Drives the node listening on loopback {@code port} for at most {@code limit}, then removes the
     * warm-up's devices from {@code store}. Never fails: what went wrong is in the report and the log.
     */
    public static Future<Report> run(Vertx vertx, int port, Store store, String nodeId, Duration limit) {
        Promise<Report> done = Promise.promise();
        // One context for all of it (the caller's, or a new one): the lanes' callbacks stay on one event loop,
        // so the counters need no locks.
        vertx.getOrCreateContext().runOnContext(v -> new Warmup(vertx, port, store, nodeId, limit).start().onComplete(done));
        return done.future();
    }

    private Future<Report> start() {
        log.info("warming up: pairing throwaway devices and relaying messages through this node on a loopback port, "
                + "for at most {} s (WARMUP_SECONDS)", limit.toSeconds());
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000), new PoolOptions().setHttp1MaxSize(LANES * 2));
        // A phone's and a browser's socket a lane: past the client's default 50, lanes would queue for one.
        WebSocketClient sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(5_000).setMaxConnections(LANES * 2));
        lastCompileMs = compileMs();
        long watch = vertx.setPeriodic(1_000, id -> watchJit());
        long deadline = vertx.setTimer(Math.max(1, limit.toMillis()), id -> stopping = true);
        long cutOff = vertx.setTimer(Math.max(1, limit.plus(OVERRUN).toMillis()), id -> {
            log.warn("warm-up: rounds still running {} s past the limit; cutting them off", OVERRUN.toSeconds());
            stopping = true;
            http.close();
            sockets.close();
        });
        return Future.join(IntStream.range(0, LANES).mapToObj(lane -> lane(http, sockets)).toList())
                .eventually(() -> {
                    vertx.cancelTimer(watch);
                    vertx.cancelTimer(deadline);
                    vertx.cancelTimer(cutOff);
                    return Future.join(http.close(), sockets.close());
                })
                .transform(ar -> forgetDevices())
                .map(v -> report())
                .onSuccess(this::logDone);
    }

    /** One pairing after another until the warm-up stops. */
    private Future<Void> lane(HttpClient http, WebSocketClient sockets) {
        if (stopping) {
            return Future.succeededFuture();
        }
        String deviceId = devicePrefix + nextDevice++;
        return new WarmupPair(http, sockets, base, deviceId, MESSAGES_PER_ROUND).round()
                .transform(ar -> {
                    if (ar.succeeded()) {
                        pairings++;
                        messages += ar.result();
                    } else {
                        unsettled.add(deviceId);
                        if (++failures <= MAX_FAILURES) {
                            log.warn("warm-up round of {} failed: {}", deviceId, ar.cause().getMessage());
                            stopping |= failures == MAX_FAILURES;
                        }
                    }
                    // Remove this round's rows now: a whole round's writes were acknowledged, so stored; a failed
                    // round's are removed again at the end.
                    return store.forgetDevice(deviceId).otherwiseEmpty();
                })
                .compose(v -> lane(http, sockets));
    }

    /** Ends the warm-up once the compiler was quiet two seconds running, after the minimum. */
    private void watchJit() {
        long now = compileMs();
        if (now < 0) {
            return; // the JVM does not measure compile time: run to the limit
        }
        long busy = now - lastCompileMs;
        lastCompileMs = now;
        quietSeconds = busy < QUIET_SHARE * 1_000 ? quietSeconds + 1 : 0;
        log.debug("warm-up: the JIT compiled for {} ms in the last second", busy);
        // A JIT that is quiet because no round got through (a node that does not answer) has warmed nothing.
        if (quietSeconds >= 2 && elapsed().compareTo(MINIMUM) >= 0 && pairings > 0 && failures < MAX_FAILURES) {
            settled = true;
            stopping = true;
        }
    }

    /** The failed rounds' devices again, once every lane is done and their writes had time to land. */
    private Future<Void> forgetDevices() {
        return Future.join(unsettled.stream().map(store::forgetDevice).toList())
                .<Void>mapEmpty()
                .onFailure(e -> log.warn("warm-up: removing {} devices of failed rounds ({}*) failed: {}", unsettled.size(), devicePrefix, e.getMessage()))
                .otherwiseEmpty();
    }

    private long compileMs() {
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private Report report() {
        return new Report(pairings, messages, failures, elapsed(), settled);
    }

    private void logDone(Report report) {
        log.info("warm-up done in {} ms: {} pairings, {} messages each way, {} failed; {}; its rows removed",
                report.took().toMillis(), report.pairings(), report.messages(), report.failures(),
                report.jitSettled() ? "the JIT compiler had caught up" : "stopped before the JIT compiler caught up");
    }

    /** For tests and logs: the device ids a warm-up of node {@code nodeId} uses start with this. */
    public static String devicePrefix(String nodeId) {
        return "relay-warmup-" + nodeId + "-";
    }
}
