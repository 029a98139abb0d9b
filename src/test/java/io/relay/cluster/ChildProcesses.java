package io.relay.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Every process the cluster tests start, so each is stopped (by its own handle, never by name) in
 * {@code @AfterAll}, and by a shutdown hook should the test JVM end before that.
 */
final class ChildProcesses {
    private static final List<Process> STARTED = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::stopAll, "cluster-it-children-stop"));
    }

    private ChildProcesses() {
    }

    /** Starts and remembers the process. */
    static Process start(ProcessBuilder builder) throws IOException {
        Process process = builder.start();
        STARTED.add(process);
        return process;
    }

    /** SIGKILL, and waits for it to be gone. */
    static void kill(Process process) {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        STARTED.remove(process);
    }

    /** No longer ours to stop (it was stopped by other means). */
    static void forget(Process process) {
        STARTED.remove(process);
    }

    static void stopAll() {
        for (Process process : new ArrayList<>(STARTED)) {
            kill(process);
        }
    }

    /** The last {@code lines} lines of a log, for assertion messages. */
    static String tail(Path log, int lines) {
        try {
            if (!Files.exists(log)) {
                return "(no " + log.getFileName() + ")";
            }
            List<String> all = List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n"));
            return "--- " + log + " (last " + Math.min(lines, all.size()) + " of " + all.size() + " lines)\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
