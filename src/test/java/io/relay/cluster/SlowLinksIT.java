package io.relay.cluster;

import io.relay.ChildProcesses;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 3-host cluster whose nodes reach each other only over slow links ({@value #DEFAULT_DELAY_MS} ms one
 * way by default, through {@code delay-proxy.js}; clients and PostgreSQL stay near), measured with the
 * load tool: every pair's phone is on one node and its browser on the next, so every message crosses
 * a slow link once. The figures are printed; the test itself only holds the bed to its word (the delay
 * is there) and the relay to its promise (nothing lost on the way).
 *
 * <p>{@code -Drelay.links.delayMs=0} runs the same bed without the proxies, for a side-by-side baseline;
 * {@code -Drelay.links.rate} and {@code -Drelay.links.seconds} size the run.
 */
@DisplayName("A 3-host cluster over slow links")
class SlowLinksIT {
    static final int DEFAULT_DELAY_MS = 20;
    private static final int DELAY_MS = Integer.getInteger("relay.links.delayMs", DEFAULT_DELAY_MS);
    private static final int RATE = Integer.getInteger("relay.links.rate", 40);
    private static final int SECONDS = Integer.getInteger("relay.links.seconds", 10);

    @RegisterExtension
    static final HostCluster cluster = HostCluster.withSlowLinks("slow-links", 3, Map.of(), DELAY_MS);

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @DisplayName("messages cross the slow link between phone and browser nodes, none lost, taking at least the link's delay")
    void crossNodeLatency() throws Exception {
        Path out = cluster.dir().resolve("bench");
        List<String> urls = cluster.nodes().stream().map(HostCluster.Node::url).toList();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of(System.getProperty("relay.bench.jar", "target/relay-bench.jar")).toAbsolutePath().toString(),
                "--url", String.join(",", urls), "--pairs", "12", "--rate", String.valueOf(RATE), "--web-rate", String.valueOf(RATE / 10),
                "--duration", String.valueOf(SECONDS), "--warmup", "3", "--quiet", "--out", out.toString(), "--label", "links-" + DELAY_MS + "ms"));
        Process bench = ChildProcesses.start(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(cluster.dir().resolve("bench.log").toFile()));
        assertThat(bench.waitFor(4, TimeUnit.MINUTES)).as("the load tool finished").isTrue();
        String report = ChildProcesses.read(cluster.dir().resolve("bench.log"));
        assertThat(bench.exitValue()).as(report).isZero();

        List<String> lines = Files.readAllLines(out.resolve("links-" + DELAY_MS + "ms-summary.tsv"));
        List<String> header = List.of(lines.get(0).split("\t"));
        String[] row = lines.get(1).split("\t");
        double p50 = Double.parseDouble(row[header.indexOf("p2b_p50_ms")]);
        double p99 = Double.parseDouble(row[header.indexOf("p2b_p99_ms")]);
        double b2pP99 = Double.parseDouble(row[header.indexOf("b2p_p99_ms")]);
        long lost = Long.parseLong(row[header.indexOf("lost")]);
        long errors = Long.parseLong(row[header.indexOf("errors")]);
        System.out.printf("SLOW LINKS: %d ms one way between nodes, %d msg/s phone->browser across nodes for %d s: "
                        + "p50 %.1f ms, p99 %.1f ms; browser->phone p99 %.1f ms; lost %d, errors %d%n%s%n",
                DELAY_MS, RATE, SECONDS, p50, p99, b2pP99, lost, errors, report);

        assertThat(lost).as("messages lost; " + report).isZero();
        assertThat(errors).as("error events; " + report).isZero();
        if (DELAY_MS > 0) {
            assertThat(p50).as("every message crossed a link of %d ms; %s", DELAY_MS, report).isGreaterThanOrEqualTo(DELAY_MS);
        }
    }
}
