package io.relay.cluster;

import io.relay.ChildProcesses;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Node script under {@code src/test/node} ({@code cluster-flow.js}, {@code cluster-stream.js}) that
 * plays the apps with the official socket.io-client, talking to the cluster only through the balancer.
 * It and the test talk in JSON lines: it prints what it needs or found on stdout, the test answers on
 * its stdin (a node was stopped), and it ends with one JSON line of facts. Its trace goes to a log
 * under target/.
 */
final class NodeDriver implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder stdout = new StringBuilder();

    private NodeDriver(Process process, Path log, String script) {
        this.process = process;
        this.log = log;
        Thread reader = new Thread(this::read, script + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** {@code cluster-flow.js <balancer> <kill|drain>}. */
    static NodeDriver clusterFlow(String balancerUrl, String mode, Path log) throws IOException {
        return start("cluster-flow.js", log, balancerUrl, mode);
    }

    static NodeDriver start(String script, Path log, String... args) throws IOException {
        Path nodeDir = Path.of(System.getProperty("relay.node.dir", "src/test/node"));
        if (!Files.isDirectory(nodeDir.resolve("node_modules/socket.io-client"))) {
            throw new IllegalStateException("socket.io-client is not installed in " + nodeDir + " (the build's npm ci does it)");
        }
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        Process process = ChildProcesses.start(new ProcessBuilder(command)
                .directory(nodeDir.toFile())
                .redirectError(log.toFile()));
        return new NodeDriver(process, log, script);
    }

    private void read() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (stdout) {
                    stdout.append(line).append('\n');
                }
                lines.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** The next JSON line that has {@code field}; fails with the client's output when none comes in time. */
    JsonObject await(String field, Duration timeout) throws InterruptedException {
        return awaitAny(timeout, field);
    }

    /** The next JSON line that has any of {@code fields} (lines with none of them are skipped). */
    JsonObject awaitAny(Duration timeout, String... fields) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS) : null;
            if (line != null && line.startsWith("{")) {
                JsonObject json = new JsonObject(line);
                for (String field : fields) {
                    if (json.containsKey(field)) {
                        return json;
                    }
                }
            }
            if (left <= 0) {
                throw new AssertionError("the client printed no " + List.of(fields) + " line in " + timeout + "\n" + output());
            }
            if (line == null && !process.isAlive() && lines.isEmpty()) {
                throw new AssertionError("the client exited (" + process.exitValue() + ") without a " + List.of(fields) + " line\n" + output());
            }
        }
    }

    /** Tells the client a node was stopped, and when (epoch ms, the clock the client measures with). */
    void nodeStopped(String nodeId, long atEpochMillis) throws IOException {
        tell(new JsonObject().put("stopped", nodeId).put("at", atEpochMillis));
    }

    /** One JSON line to the client's stdin. */
    void tell(JsonObject line) throws IOException {
        Writer in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        in.write(line.encode() + "\n");
        in.flush();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** What the client printed and the end of its trace. */
    String output() {
        String out;
        synchronized (stdout) {
            out = stdout.toString();
        }
        return "--- client stdout\n" + out + "\n" + ChildProcesses.tail(log, 60);
    }

    @Override
    public void close() {
        ChildProcesses.kill(process);
    }
}
