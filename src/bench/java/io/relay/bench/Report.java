package io.relay.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.HistogramLogWriter;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a run's results to a directory: raw histograms (HdrHistogram interval logs {@code .hlog}, values in
 * microseconds, and percentile distributions {@code .hgrm} in milliseconds), {@code summary.tsv},
 * {@code report.md}, and two plots: the latency percentile curve and throughput over time.
 */
final class Report {

    private Report() {
    }

    static void write(BenchResult result, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        String label = result.options.label();
        for (BenchResult.Step step : result.steps) {
            writeHistograms(dir, label + "-p2b-" + step.rate, step.p2b, step, 0);
            writeHistograms(dir, label + "-b2p-" + step.rate, step.b2p, step, 1);
        }
        try (PrintStream out = new PrintStream(Files.newOutputStream(dir.resolve(label + "-pairing.hgrm")), true, StandardCharsets.UTF_8)) {
            result.pairing.outputPercentileDistribution(out, 1000.0);
        }
        Files.writeString(dir.resolve(label + "-summary.tsv"), result.tsv());
        Path latencyPng = dir.resolve(label + "-latency.png");
        Path throughputPng = dir.resolve(label + "-throughput.png");
        latencyChart(result, latencyPng);
        throughputChart(result, throughputPng);
        Files.writeString(dir.resolve(label + "-report.md"), markdown(result, latencyPng.getFileName().toString(),
                throughputPng.getFileName().toString()));
    }

    private static void writeHistograms(Path dir, String name, Histogram total, BenchResult.Step step, int which) throws IOException {
        try (PrintStream out = new PrintStream(Files.newOutputStream(dir.resolve(name + ".hgrm")), true, StandardCharsets.UTF_8)) {
            total.outputPercentileDistribution(out, 1000.0);
        }
        try (PrintStream out = new PrintStream(Files.newOutputStream(dir.resolve(name + ".hlog")), true, StandardCharsets.UTF_8)) {
            HistogramLogWriter writer = new HistogramLogWriter(out);
            writer.outputComment("relay bench: " + name + ", values in microseconds from the intended send time");
            writer.outputLogFormatVersion();
            writer.outputLegend();
            for (Histogram[] interval : step.intervals) {
                writer.outputIntervalHistogram(interval[which]);
            }
        }
    }

    private static void latencyChart(BenchResult result, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(520)
                .title(result.options.label() + ": latency by percentile (from intended send time)")
                .xAxisTitle("percentile, as 1/(1-p): 10 = p90, 100 = p99, 1000 = p99.9").yAxisTitle("latency (ms)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(0);
        for (BenchResult.Step step : result.steps) {
            addCurve(chart, "phone→browser @" + step.rate + "/s", step.p2b);
            addCurve(chart, "browser→phone @" + step.webRate + "/s", step.b2p);
        }
        addCurve(chart, "pairing @" + result.options.pairingRate() + "/s", result.pairing);
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("no data", new double[]{1}, new double[]{0});
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void addCurve(XYChart chart, String name, Histogram h) {
        if (h.getTotalCount() == 0) {
            return;
        }
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (HistogramIterationValue v : h.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo() / 100.0;
            if (p >= 1.0) {
                break;
            }
            xs.add(1 / (1 - p));
            ys.add(v.getValueIteratedTo() / 1000.0);
        }
        xs.add(xs.isEmpty() ? 1.0 : Math.max(xs.get(xs.size() - 1) * 2, 1.0 * h.getTotalCount()));
        ys.add(h.getMaxValue() / 1000.0);
        chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.NONE);
    }

    private static void throughputChart(BenchResult result, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(420)
                .title(result.options.label() + ": messages relayed per second (warm-up and measured steps)")
                .xAxisTitle("second").yAxisTitle("messages/s").build();
        chart.getStyler().setMarkerSize(0);
        int n = Math.max(1, result.timeline.size());
        double[] t = new double[n];
        double[] p = new double[n];
        double[] b = new double[n];
        double[] target = new double[n];
        for (int i = 0; i < result.timeline.size(); i++) {
            long[] row = result.timeline.get(i);
            t[i] = row[0];
            p[i] = row[1];
            b[i] = row[2];
            target[i] = row[3];
        }
        chart.addSeries("phone→browser", t, p).setMarker(SeriesMarkers.NONE);
        chart.addSeries("browser→phone", t, b).setMarker(SeriesMarkers.NONE);
        chart.addSeries("phone target rate", t, target).setMarker(SeriesMarkers.NONE);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String markdown(BenchResult result, String latencyPng, String throughputPng) {
        BenchOptions o = result.options;
        return String.format(Locale.ROOT, """
                # Load run: %s

                mode %s, url %s, %d pairs, %d idle connections, rate steps %s msg/s, %d s warm-up + %d s measured per step,
                %d-byte bodies, pairing at %d/s.

                %s
                %s
                ![latency](%s)

                ![throughput](%s)
                """, o.label(), o.mode().name().toLowerCase(), o.urls(), o.pairs(), o.idle(), o.rates(),
                o.warmup().toSeconds(), o.duration().toSeconds(), o.messageSize(), o.pairingRate(),
                result.table(), result.footer(), latencyPng, throughputPng);
    }
}
