package io.relay.bench;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code java -jar relay-bench.jar seconds FILE.hlog [--slo-p99-ms MS]}: a step's latency second by second, read
 * back from the interval log the tool writes with {@code --out} (one histogram a second, values in microseconds).
 * A step's p99 over many seconds can be missed because every second is slow or because a few seconds are very slow
 * (a collection, another process taking the cores); which of the two it was decides where to look, and the summary
 * table cannot tell them apart.
 */
final class Seconds {
    static final String COMMAND = "seconds";
    static final String USAGE = "usage: java -jar relay-bench.jar seconds FILE.hlog [--slo-p99-ms MS]";

    private Seconds() {
    }

    /** Prints one line a second and how many seconds were over the SLO; returns the exit status (2 on bad arguments). */
    static int run(String[] args, PrintStream console) {
        if (args.length != 1 && !(args.length == 3 && "--slo-p99-ms".equals(args[1]))) {
            console.println(USAGE);
            return 2;
        }
        double sloMs;
        try {
            sloMs = args.length == 3 ? Double.parseDouble(args[2]) : 10;
        } catch (NumberFormatException e) {
            console.println("seconds: --slo-p99-ms wants a number of milliseconds, not " + args[2]);
            return 2;
        }
        HistogramLogReader reader;
        try {
            reader = new HistogramLogReader(args[0]);
        } catch (FileNotFoundException e) {
            console.println("seconds: no such file " + args[0]);
            return 2;
        }
        console.println("second\tmessages\tp50 ms\tp99 ms\tmax ms");
        int seconds = 0;
        int over = 0;
        // Auto-resizing: a copy of the first second would refuse a later second's values past its range.
        Histogram whole = new Histogram(3);
        for (EncodableHistogram next; (next = reader.nextIntervalHistogram()) != null; ) {
            Histogram second = (Histogram) next;
            seconds++;
            double p99 = millis(second.getValueAtPercentile(99));
            if (p99 > sloMs) {
                over++;
            }
            console.printf(Locale.ROOT, "%d\t%d\t%.1f\t%.1f\t%.1f%s%n", seconds, second.getTotalCount(),
                    millis(second.getValueAtPercentile(50)), p99, millis(second.getMaxValue()), p99 > sloMs ? "\tover" : "");
            whole.add(second);
        }
        if (seconds == 0) {
            console.println("seconds: no interval histograms in " + args[0]);
            return 1;
        }
        console.printf(Locale.ROOT, "%d of %d seconds had a p99 over %.1f ms; the whole step's p99 %.1f ms, p50 %.1f%n", over,
                seconds, sloMs, millis(whole.getValueAtPercentile(99)), millis(whole.getValueAtPercentile(50)));
        return 0;
    }

    private static double millis(long micros) {
        return micros / 1000.0;
    }
}
