package io.relay.cluster;

import io.relay.ChildProcesses;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real nginx in front of the nodes, configured from the repository's {@code scripts/nginx-cluster.conf}
 * (plain round-robin, no stickiness), run in the foreground as a child of the test with every file it
 * writes under {@code target/}. Installed from the distribution's packages when missing and we are root
 * (as in CI); without nginx and without root the cluster tests are skipped, saying why.
 */
final class Nginx implements AutoCloseable {
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

    private final Process process;
    private final Path prefix;
    private final String listen;

    private Nginx(Process process, Path prefix, String listen) {
        this.process = process;
        this.prefix = prefix;
        this.listen = listen;
    }

    /** Starts a balancer on 127.0.0.1:{@code port} over the given node ports. */
    static Nginx start(Path prefix, int port, List<Integer> upstreamPorts) throws Exception {
        return start(prefix, List.of(), "127.0.0.1:" + port, upstreamPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    }

    /**
     * Starts a balancer listening on {@code listen} ({@code host:port}) over the given {@code host:port}
     * upstreams, its command prefixed with {@code launcher} (say, {@code ip netns exec <host>}).
     */
    static Nginx start(Path prefix, List<String> launcher, String listen, List<String> upstreamAddresses) throws Exception {
        Path binary = binary();
        Files.createDirectories(prefix.resolve("tmp"));
        Path template = Path.of(System.getProperty("relay.scripts.dir", "scripts")).resolve("nginx-cluster.conf");
        String upstreams = upstreamAddresses.stream().map(a -> "    server " + a + ";").collect(Collectors.joining("\n"));
        String config = Files.readString(template)
                .replace("@PREFIX@", prefix.toAbsolutePath().toString())
                .replace("@LISTEN@", listen)
                .replace("@UPSTREAMS@", upstreams);
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, config);
        Path output = prefix.resolve("nginx.out");
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(binary.toString(),
                "-p", prefix.toAbsolutePath().toString(),
                "-c", conf.toAbsolutePath().toString(),
                "-g", "daemon off;"));
        if (hasErrorLogOption(binary)) { // nginx 1.19.5+: not even the start-up log goes to a system directory
            command.addAll(List.of("-e", prefix.resolve("error.log").toAbsolutePath().toString()));
        }
        Process process = ChildProcesses.start(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile()));
        Nginx nginx = new Nginx(process, prefix, listen);
        nginx.awaitListening();
        return nginx;
    }

    int port() {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    String url() {
        return "http://" + listen;
    }

    Path accessLog() {
        return prefix.resolve("access.log");
    }

    String logs() {
        return ChildProcesses.tail(prefix.resolve("nginx.out"), 20) + "\n" + ChildProcesses.tail(prefix.resolve("error.log"), 30);
    }

    @Override
    public void close() {
        ChildProcesses.kill(process);
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + "\n" + logs());
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(url() + "/api/auth/health").toURL().openConnection();
                connection.setConnectTimeout(500);
                connection.setReadTimeout(2000);
                if (connection.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // keep trying
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("nginx did not answer on " + url() + "\n" + logs());
    }

    // ------------------------------------------------------------------ finding or installing nginx

    private static Path binary() throws Exception {
        Path found = find();
        if (found != null) {
            return found;
        }
        Assumptions.assumeTrue(isRoot(), "nginx is not installed and installing it needs root: apt-get install nginx-light (or nginx)");
        install();
        found = find();
        if (found == null) {
            throw new IllegalStateException("nginx still missing after installing it; see " + installLog());
        }
        return found;
    }

    private static Path find() {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "nginx"));
            }
        }
        candidates.add(Path.of("/usr/sbin/nginx"));
        candidates.add(Path.of("/usr/local/sbin/nginx"));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static boolean hasErrorLogOption(Path binary) throws Exception {
        Process help = new ProcessBuilder(binary.toString(), "-h").redirectErrorStream(true).start();
        String usage = new String(help.getInputStream().readAllBytes());
        help.waitFor(5, TimeUnit.SECONDS);
        return usage.contains("-e filename");
    }

    private static boolean isRoot() {
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes()).trim();
            return id.waitFor(5, TimeUnit.SECONDS) && "0".equals(uid);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path installLog() {
        return Path.of(System.getProperty("relay.it.dir", "target/cluster-it")).resolve("apt-nginx.log");
    }

    /** apt-get, waiting for another apt to finish rather than failing on its lock; nginx-light, else nginx. */
    private static synchronized void install() throws Exception {
        if (find() != null) {
            return;
        }
        Path log = installLog();
        Files.createDirectories(log.getParent());
        String apt = "apt-get -o DPkg::Lock::Timeout=240 -o Acquire::Retries=3 ";
        String script = apt + "update && (" + apt + "install -y --no-install-recommends nginx-light || "
                + apt + "install -y --no-install-recommends nginx)";
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("DEBIAN_FRONTEND", "noninteractive");
        Process process = ChildProcesses.start(builder);
        if (!process.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            ChildProcesses.kill(process);
            throw new IllegalStateException("installing nginx took more than " + INSTALL_TIMEOUT + "\n" + ChildProcesses.tail(log, 30));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("installing nginx failed (exit " + process.exitValue() + ")\n" + ChildProcesses.tail(log, 30));
        }
    }
}
