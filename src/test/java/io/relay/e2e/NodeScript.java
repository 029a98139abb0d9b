package io.relay.e2e;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs one of the Node scripts under {@code src/test/node} (the official socket.io-client playing the
 * phone and web apps) and returns the one JSON result line it prints. The script's progress log
 * (stderr) goes into every assertion message, so a failing step is named in the test report.
 */
public final class NodeScript {

    private NodeScript() {
    }

    /** Runs {@code node <script> <args...>}, waits at most {@code timeout}, asserts the script reported {@code ok}, and answers its result. */
    public static JsonObject assertPasses(String script, Duration timeout, String... args) throws Exception {
        Path nodeDir = Path.of(System.getProperty("relay.node.dir", "src/test/node"));
        assertThat(nodeDir.resolve("node_modules/socket.io-client")).as("npm ci ran in %s", nodeDir).exists();
        Path stderr = Files.createTempFile(script.replace(".js", ""), ".log");
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(nodeDir.toFile())
                .redirectError(stderr.toFile())
                .start();
        try {
            // Read on another thread so a hung client cannot hang the test past its timeout.
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            String out = stdout.get(5, TimeUnit.SECONDS).trim();
            String log = Files.readString(stderr);
            assertThat(exited).as("%s finished within %s; its log:%n%s", script, timeout, log).isTrue();
            String[] lines = out.split("\n");
            JsonObject result = new JsonObject(lines[lines.length - 1]);
            assertThat(result.getBoolean("ok"))
                    .as("%s failed: %s%n--- its log:%n%s", script, result.getString("error"), log)
                    .isTrue();
            assertThat(process.exitValue()).isZero();
            return result;
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(stderr);
        }
    }
}
