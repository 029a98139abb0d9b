package io.relay.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Weighs a server process from outside: live Java heap via {@code jcmd <pid> GC.class_histogram} (which
 * runs a full GC first and counts only reachable objects) and resident memory from {@code /proc}.
 */
final class Probe {

    /** A measurement; -1 where it could not be taken (e.g. live heap of a non-JVM process). */
    record Weight(long liveHeapBytes, long rssBytes) {
    }

    private Probe() {
    }

    static Weight weigh(long pid) {
        return new Weight(liveHeap(pid), rss(pid));
    }

    static long liveHeap(long pid) {
        // The attach mechanism signals the process with SIGQUIT, which kills a process that is not a JVM (Node).
        if (!isJvm(pid)) {
            return -1;
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        ProcessBuilder builder = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
                Long.toString(pid), "GC.class_histogram").redirectErrorStream(true);
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return -1;
            }
            for (String line : output.split("\n")) {
                String trimmed = line.trim();
                if (trimmed.startsWith("Total")) {
                    String[] parts = trimmed.split("\\s+");
                    return Long.parseLong(parts[2]);
                }
            }
            return -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean isJvm(long pid) {
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
            return cmdline.contains("java");
        } catch (IOException e) {
            return false;
        }
    }

    static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }
}
