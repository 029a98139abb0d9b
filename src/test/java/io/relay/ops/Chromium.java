package io.relay.ops;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Chromium the browser tests drive: Debian's {@code chromium} package, installed with apt-get
 * when it is missing and the tests run as root (as CI does). Elsewhere, a missing browser skips the
 * tests that need it, saying how to install it.
 */
final class Chromium {
    static final Path DEFAULT = Path.of("/usr/bin/chromium");

    private Chromium() {
    }

    /** The browser's path, after installing it if needed and possible. */
    static synchronized Path ensureInstalled() throws Exception {
        Path path = Path.of(System.getProperty("relay.chromium", DEFAULT.toString()));
        if (Files.isExecutable(path)) {
            return path;
        }
        Assumptions.assumeTrue(path.equals(DEFAULT) && isRoot(),
                "no Chromium at " + path + "; install Debian's chromium package (apt-get install -y chromium) or set -Drelay.chromium=<path>");
        if (!aptGet("install", "-y", "chromium")) {
            // A fresh machine may have no package lists yet.
            aptGet("update");
            aptGet("install", "-y", "chromium");
        }
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("apt-get could not install chromium; see the test output");
        }
        return path;
    }

    private static boolean isRoot() throws Exception {
        Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return id.waitFor() == 0 && uid.equals("0");
    }

    private static boolean aptGet(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("apt-get", "-q"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).inheritIO();
        builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process process = builder.start();
        if (!process.waitFor(15, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return false;
        }
        return process.exitValue() == 0;
    }
}
