package io.relay.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The load tool's second-by-second reading of a step")
class SecondsTest {

    @Test
    @DisplayName("prints each second's p50, p99 and max from the interval log, and counts the seconds over the SLO")
    void secondBySecond(@TempDir Path dir) throws Exception {
        // Three seconds of 1,000 messages: the first and last at 2 ms, the middle one with 20 of them at 40 ms.
        Path log = dir.resolve("step.hlog");
        try (PrintStream out = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8)) {
            HistogramLogWriter writer = new HistogramLogWriter(out);
            writer.outputLogFormatVersion();
            writer.outputLegend();
            writer.outputIntervalHistogram(second(0, 1000, 0));
            writer.outputIntervalHistogram(second(1, 980, 20));
            writer.outputIntervalHistogram(second(2, 1000, 0));
        }

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int status = Seconds.run(new String[]{log.toString(), "--slo-p99-ms", "15"}, new PrintStream(printed, true, StandardCharsets.UTF_8));

        String[] lines = printed.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(status).isZero();
        assertThat(lines[1]).startsWith("1\t1000\t2.0\t2.0\t2.0").doesNotContain("over");
        assertThat(lines[2]).startsWith("2\t1000\t2.0\t40.0\t40.0").endsWith("over");
        assertThat(lines[3]).startsWith("3\t1000\t2.0\t2.0\t2.0");
        // 20 slow of 3,000 is under 1 %: the whole step meets the SLO that one of its seconds missed.
        assertThat(lines[4]).isEqualTo("1 of 3 seconds had a p99 over 15.0 ms; the whole step's p99 2.0 ms, p50 2.0");
    }

    @Test
    @DisplayName("refuses a missing file, a bad SLO or missing arguments with a line saying so, not a stack trace")
    void badArguments(@TempDir Path dir) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(printed, true, StandardCharsets.UTF_8);

        assertThat(Seconds.run(new String[]{dir.resolve("none.hlog").toString()}, console)).isEqualTo(2);
        assertThat(Seconds.run(new String[]{"x.hlog", "--slo-p99-ms", "fast"}, console)).isEqualTo(2);
        assertThat(Seconds.run(new String[0], console)).isEqualTo(2);
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("no such file", "wants a number", Seconds.USAGE);
    }

    /** One second's histogram (values in microseconds, as the tool records them). */
    private static Histogram second(int index, int fast, int slow) {
        Histogram histogram = new Histogram(3);
        histogram.recordValueWithCount(2_000, fast);
        if (slow > 0) {
            histogram.recordValueWithCount(40_000, slow);
        }
        histogram.setStartTimeStamp(1_000_000L + index * 1000L);
        histogram.setEndTimeStamp(1_000_000L + (index + 1) * 1000L);
        return histogram;
    }
}
