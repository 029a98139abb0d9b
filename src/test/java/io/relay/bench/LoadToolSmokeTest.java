package io.relay.bench;

import io.relay.RelayNode;
import io.relay.e2e.FreshRelay;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the load tool working: a short run against an in-process relay node. Not a benchmark (the
 * benchmarks never run in the build); it only checks that pairs pair, messages go both ways, latencies
 * are recorded and the report is written.
 */
@DisplayName("The load tool")
class LoadToolSmokeTest {
    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("pairs three phones with browsers through a relay node, times all pairings but the first, and measures messages both ways")
    void relaysAndMeasures(@TempDir Path out) throws Exception {
        RelayNode node = relay.node();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        BenchOptions options = BenchOptions.of("--url", "http://127.0.0.1:" + node.port(), "--pairs", "3", "--pairing-warmup", "1",
                "--idle", "3", "--rate", "50", "--web-rate", "10", "--warmup", "0.5", "--duration", "2",
                "--client-threads", "1", "--label", "smoke", "--out", out.toString(),
                "--cpu-pids", Long.toString(ProcessHandle.current().pid()), // the node runs in this JVM
                "--pairing-stages", out.resolve("stages.tsv").toString());

        BenchResult result = BenchCommand.run(options, new PrintStream(console, true, StandardCharsets.UTF_8));

        assertThat(result.pairing.getTotalCount()).as("pairings timed: all but the first").isEqualTo(2);
        assertThat(result.steps).hasSize(1);
        BenchResult.Step step = result.steps.get(0);
        assertThat(step.p2bReceived).as("phone→browser messages relayed").isGreaterThan(50);
        assertThat(step.p2b.getTotalCount()).as("phone→browser latencies recorded").isEqualTo(step.p2bReceived);
        assertThat(step.p2b.getMaxValue()).isPositive();
        assertThat(step.b2pReceived).as("browser→phone messages relayed").isGreaterThan(5);
        assertThat(step.lost()).isZero();
        assertThat(step.cpuMillisPerMessage()).as("server CPU per message").isPositive();
        // The node runs in this JVM: what its /metrics reports is this JVM's heap.
        assertThat(step.serverHeapUsedBytes).as("server heap in use, from the node's /metrics")
                .isPositive().isLessThanOrEqualTo(Runtime.getRuntime().maxMemory());
        assertThat(Files.readString(out.resolve("smoke-summary.tsv"))).contains("server_heap_used_mib");
        assertThat(result.errors).isZero();
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("| smoke | phone→browser | 50 |");
        assertThat(out.resolve("smoke-latency.png")).isNotEmptyFile();
        assertThat(out.resolve("smoke-throughput.png")).isNotEmptyFile();
        assertThat(out.resolve("smoke-p2b-50.hlog")).isNotEmptyFile();
        assertThat(Files.readString(out.resolve("smoke-report.md"))).contains("phone→browser");
        assertPairingStages(Files.readAllLines(out.resolve("stages.tsv")), 3);
    }

    /** One line per pairing after the header; each stage within the whole, the whole at least its steps. */
    private static void assertPairingStages(List<String> lines, int pairings) {
        assertThat(lines.get(0)).isEqualTo("pair\tintended_epoch_ms\tlag_us\tqr_us\tscanned_us\twaited_us\ttotal_us");
        assertThat(lines).hasSize(pairings + 1);
        for (String line : lines.subList(1, lines.size())) {
            long[] f = Arrays.stream(line.split("\t")).mapToLong(Long::parseLong).toArray();
            assertThat(f[1]).as("intended start, epoch ms").isBetween(System.currentTimeMillis() - 120_000, System.currentTimeMillis());
            assertThat(f[3]).as("generate-qr answered").isPositive();
            assertThat(f[4]).as("qr:paired after the QR").isPositive();
            assertThat(f[5]).as("wait-pairing answered after the QR").isPositive();
            assertThat(f[6]).as("the whole pairing, " + line).isGreaterThanOrEqualTo(Math.max(0, f[2]) + f[3] + Math.max(f[4], f[5]) - 1_000);
        }
    }
}
