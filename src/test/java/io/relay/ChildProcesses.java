package io.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Every process a test starts (relay nodes from the jar, nginx, PostgreSQL, docker, node scripts...): each is
 * remembered and stopped by its own handle, never by name, when the test is over, or by a shutdown hook
 * should the test JVM end first.
 */
public final class ChildProcesses {
    private static final List<Process> STARTED = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::stopAll, "test-children-stop"));
    }

    private ChildProcesses() {
    }

    /** Starts and remembers the process. */
    public static Process start(ProcessBuilder builder) throws IOException {
        Process process = builder.start();
        STARTED.add(process);
        return process;
    }

    /** SIGKILL to the process alone, and waits for it to be gone. */
    public static void kill(Process process) {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        awaitGone(process);
    }

    /** SIGKILL to the process and everything it started, and waits for it to be gone. */
    public static void stop(Process process) {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        awaitGone(process);
    }

    private static void awaitGone(Process process) {
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        STARTED.remove(process);
    }

    /** No longer ours to stop (it was stopped by other means). */
    public static void forget(Process process) {
        STARTED.remove(process);
    }

    /** Every process still running, with what it started. */
    public static void stopAll() {
        new ArrayList<>(STARTED).forEach(ChildProcesses::stop);
    }

    /** Runs a short command to its end and answers its standard output; fails on a non-zero exit. */
    public static String output(Path dir, List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path err = Files.createTempFile("test-cmd", ".err");
        try {
            Process p = start(new ProcessBuilder(command).directory(dir.toFile()).redirectError(err.toFile()));
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
            boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                stop(p);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
            }
            STARTED.remove(p);
            String stdout = out.join();
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + p.exitValue() + ": " + Files.readString(err) + stdout);
            }
            return stdout;
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** The last {@code lines} lines of a log, for assertion messages. */
    public static String tail(Path log, int lines) {
        try {
            if (!Files.exists(log)) {
                return "(no " + log + ")";
            }
            List<String> all = List.of(Files.readString(log, StandardCharsets.UTF_8).split("\n"));
            return "--- " + log + " (last " + Math.min(lines, all.size()) + " of " + all.size() + " lines)\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Deletes a file or a directory tree without following links out of it. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** The whole log, or empty when there is none (yet). */
    public static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
