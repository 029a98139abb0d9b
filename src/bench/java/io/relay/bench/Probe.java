package io.relay.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Weighs a server process from outside: live Java heap via {@code jcmd <pid> GC.class_histogram} (which
 * runs a full GC first and counts only reachable objects), resident memory and CPU time from {@code /proc}.
 */
final class Probe {

    /** A measurement; -1 where it could not be taken (e.g. live heap of a non-JVM process). */
    record Weight(long liveHeapBytes, long rssBytes) {
    }

    private Probe() {
    }

    /** How long a JVM takes to hand a shrunk heap back after a full GC: G1 uncommits in the background. */
    private static final long UNCOMMIT_SETTLE_MILLIS = 5_000;

    /**
     * The process before the connections: its live heap (the full GC that counts it also shrinks a JVM's
     * heap), then its resident memory once that shrink has been handed back, so the baseline is a process
     * at rest whether or not it collected after its own start.
     */
    static Weight weighAtRest(long pid) throws InterruptedException {
        long live = liveHeap(pid);
        if (live >= 0) {
            Thread.sleep(UNCOMMIT_SETTLE_MILLIS);
        }
        return new Weight(live, rss(pid));
    }

    /**
     * The process holding the connections: resident memory first, as it is in service, and only then the
     * live heap, whose full GC would shrink a JVM's heap (and read low) if it came first.
     */
    static Weight weighInService(long pid) {
        long rss = rss(pid);
        return new Weight(liveHeap(pid), rss);
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

    /** Clock ticks per second of /proc's CPU times: USER_HZ, 100 on Linux whatever the kernel's HZ. */
    private static final double TICKS_PER_SECOND = 100;

    /**
     * CPU time in milliseconds, user plus system, used so far by the given processes and every live
     * descendant of theirs, plus what their exited children used; -1 when /proc cannot be read.
     * Taken twice, the difference is what the server spent in between, PostgreSQL's backends included.
     */
    static double cpuMillis(List<Long> roots) {
        Map<Long, long[]> stats = new HashMap<>(); // pid -> {ppid, utime+stime+cutime+cstime}
        try (var entries = Files.list(Path.of("/proc"))) {
            entries.map(p -> p.getFileName().toString()).filter(name -> name.chars().allMatch(Character::isDigit)).forEach(name -> {
                long[] stat = stat(Path.of("/proc", name, "stat"));
                if (stat != null) {
                    stats.put(Long.parseLong(name), stat);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
        Set<Long> tree = new HashSet<>(roots);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (var e : stats.entrySet()) {
                if (!tree.contains(e.getKey()) && tree.contains(e.getValue()[0])) {
                    grew |= tree.add(e.getKey());
                }
            }
        }
        long ticks = 0;
        for (long pid : tree) {
            long[] stat = stats.get(pid);
            ticks += stat == null ? 0 : stat[1];
        }
        return ticks * 1000 / TICKS_PER_SECOND;
    }

    /** {ppid, utime + stime + cutime + cstime} from a /proc/PID/stat, or null when it is gone. */
    private static long[] stat(Path file) {
        try {
            String text = Files.readString(file);
            // The command name is in parentheses and may hold spaces: fields are counted after its last ')'.
            String[] fields = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
            long ppid = Long.parseLong(fields[1]);
            long cpu = Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
            return new long[]{ppid, cpu};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
