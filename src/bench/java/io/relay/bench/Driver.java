package io.relay.bench;

import io.vertx.core.Promise;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.relay.bench.LoadRun.ms;

/**
 * Runs the workers' send schedules for a given time, printing each second's progress; in a measured step
 * it also takes each second's latencies into the step, for the report's timeline.
 */
final class Driver {
    private final List<Worker> workers;
    private final int pairs;
    private final Tally tally;
    private final BenchOptions options;
    private final PrintStream console;

    Driver(List<Worker> workers, Tally tally, BenchOptions options, PrintStream console) {
        this.workers = workers;
        this.pairs = workers.stream().mapToInt(w -> w.pairs.size()).sum();
        this.tally = tally;
        this.options = options;
        this.console = console;
    }

    /** Sends on the fixed schedule for {@code millis}, printing progress each second. */
    void drive(int rate, int webRate, int generation, long millis, BenchResult.Step step, BenchResult result) throws Exception {
        long start = System.nanoTime();
        List<Long> timers = new ArrayList<>();
        for (Worker worker : workers) {
            if (worker.pairs.isEmpty()) {
                continue;
            }
            double share = (double) worker.pairs.size() / pairs;
            Promise<Long> timer = Promise.promise();
            long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
            worker.context.runOnContext(v -> timer.complete(worker.startSchedule(start, end, rate * share, webRate * share, generation)));
            timers.add(timer.future().toCompletionStage().toCompletableFuture().get());
        }
        long lastP2b = tally.p2bReceived.get();
        long lastB2p = tally.b2pReceived.get();
        long lastErrors = tally.errors.get();
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
                long p = tally.p2bReceived.get();
                long b = tally.b2pReceived.get();
                long e = tally.errors.get();
                result.timeline.add(new long[]{result.timeline.size() + 1, p - lastP2b, b - lastB2p, rate});
                String latencies = "";
                if (step != null) {
                    Histogram ip = tally.p2b.getIntervalHistogram();
                    Histogram ib = tally.b2p.getIntervalHistogram();
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
                            e - lastErrors, tally.reconnects.get(), latencies);
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
                worker.context.owner().cancelTimer(id);
                cancelled.complete();
            });
            cancelled.future().toCompletionStage().toCompletableFuture().get();
        }
    }
}
