package io.relay.bench;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static io.relay.bench.LoadRun.ms;

/** What a load run measured: pairing latency, each rate step's two latency histograms, memory, a timeline. */
public final class BenchResult {

    public final BenchOptions options;
    public Histogram pairing = new Histogram(LoadRun.HIGHEST_MICROS, 3);
    public final List<Step> steps = new ArrayList<>();
    /** Per second of driving: {second, phone→browser msg/s, browser→phone msg/s, target rate}. */
    public final List<long[]> timeline = new ArrayList<>();
    public Probe.Weight before;
    public Probe.Weight after;
    public long errors;
    public long reconnects;
    public String lastError = "";

    BenchResult(BenchOptions options) {
        this.options = options;
    }

    /** One rate step's measurement (warm-up excluded). */
    public static final class Step {
        public final int rate;
        public final int webRate;
        public final Histogram p2b = new Histogram(LoadRun.HIGHEST_MICROS, 3);
        public final Histogram b2p = new Histogram(LoadRun.HIGHEST_MICROS, 3);
        final List<Histogram[]> intervals = new ArrayList<>();
        public long p2bSent;
        public long p2bReceived;
        public long b2pSent;
        public long b2pReceived;
        public long errors;
        public double seconds;
        /** Server CPU over the measured step ({@code --cpu-pids}), in ms; -1 when not measured. */
        public double cpuMillis = -1;
        /** JVM heap in use at the end of the step, summed over the nodes' {@code /metrics}; -1 when none reports it. */
        public long serverHeapUsedBytes = -1;

        Step(int rate, int webRate) {
            this.rate = rate;
            this.webRate = webRate;
        }

        public double p2bPerSecond() {
            return p2bReceived / seconds;
        }

        public double b2pPerSecond() {
            return b2pReceived / seconds;
        }

        /** Server CPU per relayed message (both directions), in ms; -1 when not measured. */
        public double cpuMillisPerMessage() {
            long relayed = p2bReceived + b2pReceived;
            return cpuMillis < 0 || relayed == 0 ? -1 : cpuMillis / relayed;
        }

        public long lost() {
            return Math.max(0, p2bSent - p2bReceived) + Math.max(0, b2pSent - b2pReceived);
        }

        String oneLine() {
            return String.format(Locale.ROOT, "step %d msg/s: phone->browser %.0f msg/s p50 %.2f p99 %.2f p99.9 %.2f max %.2f ms; "
                            + "browser->phone %.0f msg/s p99 %.2f ms; errors %d, lost %d",
                    rate, p2bPerSecond(), ms(p2b.getValueAtPercentile(50)), ms(p2b.getValueAtPercentile(99)),
                    ms(p2b.getValueAtPercentile(99.9)), ms(p2b.getMaxValue()), b2pPerSecond(), ms(b2p.getValueAtPercentile(99)), errors, lost())
                    + (cpuMillis < 0 ? "" : String.format(Locale.ROOT, "; server CPU %.3f ms per message (%.2f cores)",
                    cpuMillisPerMessage(), cpuMillis / 1000 / seconds))
                    + (serverHeapUsedBytes < 0 ? "" : "; server heap in use " + mib(serverHeapUsedBytes) + " (/metrics)");
        }
    }

    /** The highest step whose phone→browser p99 met the SLO and that lost nothing; null if none. */
    public Step bestWithinSlo() {
        Step best = null;
        for (Step step : steps) {
            if (step.p2b.getValueAtPercentile(99) <= options.sloP99Millis() * 1000 && step.lost() == 0 && step.p2bReceived > 0
                    && (best == null || step.p2bPerSecond() > best.p2bPerSecond())) {
                best = step;
            }
        }
        return best;
    }

    /** Live heap per idle connection in bytes, or -1 when not measured. */
    public double heapPerConnection() {
        if (before == null || after == null || before.liveHeapBytes() < 0 || after.liveHeapBytes() < 0 || options.idle() == 0) {
            return -1;
        }
        return (after.liveHeapBytes() - before.liveHeapBytes()) / (double) options.idle();
    }

    public double rssPerConnection() {
        if (before == null || after == null || before.rssBytes() < 0 || after.rssBytes() < 0 || options.idle() == 0) {
            return -1;
        }
        return (after.rssBytes() - before.rssBytes()) / (double) options.idle();
    }

    /** The summary table, Markdown (readable as plain text too). */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append("| system | direction | target msg/s | achieved msg/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | lost |\n");
        out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Step step : steps) {
            row(out, "phone→browser", step.rate, step.p2bPerSecond(), step.p2b, step.errors, Math.max(0, step.p2bSent - step.p2bReceived));
            row(out, "browser→phone", step.webRate, step.b2pPerSecond(), step.b2p, step.errors, Math.max(0, step.b2pSent - step.b2pReceived));
        }
        out.append(String.format(Locale.ROOT, "| %s | pairing | %d/s | %d pairs | %.2f | %.2f | %.2f | %.2f | %.2f | | |%n",
                options.label(), options.pairingRate(), pairing.getTotalCount(), ms(pairing.getValueAtPercentile(50)),
                ms(pairing.getValueAtPercentile(90)), ms(pairing.getValueAtPercentile(99)), ms(pairing.getValueAtPercentile(99.9)),
                ms(pairing.getMaxValue())));
        return out.toString();
    }

    private void row(StringBuilder out, String direction, int target, double achieved, Histogram h, long errors, long lost) {
        out.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %d |%n",
                options.label(), direction, target, achieved, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), errors, lost));
    }

    /** Totals after the table: best rate within the SLO, connections, memory, errors. */
    public String footer() {
        StringBuilder out = new StringBuilder();
        Step best = bestWithinSlo();
        out.append(String.format(Locale.ROOT, "max phone→browser rate with p99 ≤ %.0f ms: %s%n", options.sloP99Millis(),
                best == null ? "none of the steps" : String.format(Locale.ROOT, "%.0f msg/s (step %d)", best.p2bPerSecond(), best.rate)));
        out.append(String.format(Locale.ROOT, "connections: %d pairs (%d sockets) + %d idle; errors %d; reconnects %d%s%n",
                options.pairs(), options.pairs() * 2, options.idle(), errors, reconnects,
                lastError.isEmpty() ? "" : "; last error: " + lastError));
        if (before != null && after != null) {
            out.append(String.format(Locale.ROOT, "server memory: live heap %s → %s (%.0f bytes per idle connection), RSS %s → %s (%.0f bytes per idle connection)%n",
                    mib(before.liveHeapBytes()), mib(after.liveHeapBytes()), heapPerConnection(),
                    mib(before.rssBytes()), mib(after.rssBytes()), rssPerConnection()));
        }
        return out.toString();
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** One tab-separated line per step, for scripts: label, rate, achieved, p50, p90, p99, p99.9, max (ms), errors, lost, ... */
    public String tsv() {
        StringBuilder out = new StringBuilder();
        out.append("label\tstep\tp2b_per_s\tp2b_p50_ms\tp2b_p90_ms\tp2b_p99_ms\tp2b_p999_ms\tp2b_max_ms\tb2p_per_s\tb2p_p99_ms\terrors\tlost\t"
                + "pairing_p50_ms\tpairing_p99_ms\theap_per_conn_b\trss_per_conn_b\tcpu_ms_per_msg\tserver_heap_used_mib\n");
        for (Step s : steps) {
            out.append(String.format(Locale.ROOT, "%s\t%d\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t%.3f\t%d\t%d\t%.3f\t%.3f\t%.0f\t%.0f\t%.4f\t%.1f%n",
                    options.label(), s.rate, s.p2bPerSecond(), ms(s.p2b.getValueAtPercentile(50)), ms(s.p2b.getValueAtPercentile(90)),
                    ms(s.p2b.getValueAtPercentile(99)), ms(s.p2b.getValueAtPercentile(99.9)), ms(s.p2b.getMaxValue()),
                    s.b2pPerSecond(), ms(s.b2p.getValueAtPercentile(99)), s.errors, s.lost(),
                    ms(pairing.getValueAtPercentile(50)), ms(pairing.getValueAtPercentile(99)), heapPerConnection(), rssPerConnection(),
                    s.cpuMillisPerMessage(), s.serverHeapUsedBytes < 0 ? -1 : s.serverHeapUsedBytes / 1048576.0));
        }
        return out.toString();
    }
}
