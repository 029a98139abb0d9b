package io.relay.deploy;

import io.relay.ChildProcesses;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two jars the build makes: {@code relay.jar}, the node the image ships, and {@code relay-bench.jar},
 * the load tool and its baseline forwarder. The tool is kept out of the node's jar so that what runs in
 * production is the node alone; these checks read the jars {@code package} made, so they run after it.
 */
@DisplayName("The build's jars")
class JarsIT {

    private static final Path RELAY_JAR = Path.of(System.getProperty("relay.jar", "target/relay.jar")).toAbsolutePath();
    private static final Path BENCH_JAR = Path.of(System.getProperty("relay.bench.jar", "target/relay-bench.jar")).toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    /** How a class names another in its constant pool; finds a reference even where no entry is. */
    private static final byte[] BENCH_PACKAGE = "io/relay/bench/".getBytes(StandardCharsets.US_ASCII);

    @Test
    @DisplayName("the node's jar holds no class of the load tool or of its plotting library, and none of its classes names one")
    void nodeJarHasNoLoadTool() throws IOException {
        List<String> entries = entries(RELAY_JAR);
        assertThat(entries).as("the node itself").contains("io/relay/Main.class");
        assertThat(entries).noneMatch(name -> name.startsWith("io/relay/bench/") || name.startsWith("org/knowm/xchart/"));

        List<String> naming = new ArrayList<>();
        try (ZipFile jar = new ZipFile(RELAY_JAR.toFile())) {
            for (ZipEntry entry : Collections.list(jar.entries())) {
                if (entry.getName().startsWith("io/relay/") && entry.getName().endsWith(".class")
                        && contains(jar.getInputStream(entry).readAllBytes(), BENCH_PACKAGE)) {
                    naming.add(entry.getName());
                }
            }
        }
        assertThat(naming).as("node classes that refer to the load tool (they would fail when run)").isEmpty();
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    @DisplayName("the node's jar no longer takes the load tool's commands: `bench` is an unknown command")
    void nodeJarRefusesBench(@TempDir Path dir) throws Exception {
        Run run = run(dir, List.of(JAVA, "-jar", RELAY_JAR.toString(), "bench", "--help"));

        assertThat(run.status).as(run.output).isEqualTo(2);
        assertThat(run.output).contains("Unknown command 'bench'").doesNotContain("Usage:");
    }

    @Test
    @DisplayName("the load tool's jar carries the tool, not the node: no Main, Hazelcast, PostgreSQL or web router")
    void benchJarHasNoNode() throws IOException {
        List<String> entries = entries(BENCH_JAR);
        assertThat(entries).contains("io/relay/bench/BenchCommand.class", "io/relay/bench/Forwarder.class");
        assertThat(entries).noneMatch(name -> name.equals("io/relay/Main.class") || name.startsWith("io/relay/store/")
                || name.startsWith("com/hazelcast/") || name.startsWith("org/postgresql/") || name.startsWith("io/vertx/ext/web/"));
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    @DisplayName("the load tool's jar starts: it prints its usage, and drives a short run through its own forwarder, report and plots written")
    void benchJarRuns(@TempDir Path dir) throws Exception {
        Run help = run(dir, List.of(JAVA, "-jar", BENCH_JAR.toString(), "--help"));
        assertThat(help.status).as(help.output).isZero();
        assertThat(help.output).contains("Usage: java -jar relay-bench.jar [options]");

        int port = freePort();
        Path forwarderLog = dir.resolve("forwarder.log");
        Process forwarder = ChildProcesses.start(new ProcessBuilder(JAVA, "-jar", BENCH_JAR.toString(), "forwarder", "--port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(forwarderLog.toFile()));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.readString(forwarderLog).contains("listening") && forwarder.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(forwarderLog)).as("the forwarder started").contains("listening");

            Path out = dir.resolve("report");
            Run load = run(dir, List.of(JAVA, "-jar", BENCH_JAR.toString(), "--url", "127.0.0.1:" + port, "--mode", "forwarder",
                    "--pairs", "2", "--rate", "20", "--duration", "1", "--warmup", "0", "--prewarm", "0", "--quiet",
                    "--label", "jar", "--out", out.toString()));

            assertThat(load.status).as(load.output).isZero();
            assertThat(load.output).contains("| jar | phone→browser | 20 |");
            assertThat(out.resolve("jar-summary.tsv")).isNotEmptyFile();
            assertThat(out.resolve("jar-latency.png")).as("plotted with XChart, which only this jar carries").isNotEmptyFile();
        } finally {
            ChildProcesses.stop(forwarder);
        }
    }

    private record Run(int status, String output) {
    }

    /** Runs a command to its end (two minutes at most), its standard output and error together. */
    private static Run run(Path dir, List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "run", ".log");
        Process process = ChildProcesses.start(new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()));
        boolean exited = process.waitFor(2, TimeUnit.MINUTES);
        ChildProcesses.stop(process);
        assertThat(exited).as(String.join(" ", command) + " finished: " + Files.readString(log)).isTrue();
        return new Run(process.exitValue(), Files.readString(log));
    }

    private static List<String> entries(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return Collections.list(zip.entries()).stream().map(ZipEntry::getName).toList();
        }
    }

    private static boolean contains(byte[] bytes, byte[] part) {
        outer:
        for (int i = 0; i <= bytes.length - part.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (bytes[i + j] != part[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
