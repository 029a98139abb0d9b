package io.relay.deploy;

import io.relay.ChildProcesses;
import io.relay.e2e.NodeScript;
import io.relay.store.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image an operator deploys, built and run as the Dockerfile says, without a Docker engine: the
 * build stage's commands as written, in a build context made of the committed files less what
 * {@code .dockerignore} leaves out, with no Node on the PATH ({@link BuildStage}); then the jar it
 * made, started with the final stage's ENV, WORKDIR, numeric USER and ENTRYPOINT, writing only to
 * DATA_DIR and /tmp ({@link RuntimeStage}), with what a production deploy adds (NODE_ENV, a database,
 * a JWT secret). Then what an operator checks after a deploy.
 *
 * <p>Needs root (a private mount namespace, a chroot, and the switch to the image's user), as CI has;
 * elsewhere it is skipped, saying why. It builds the jar once more (about as long as {@code ./mvnw
 * -DskipTests package}) and listens on the image's own port, which must be free.
 */
@DisplayName("The image, built and run as the Dockerfile says")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageIT {

    private static final Path WORK = Path.of(System.getProperty("relay.image.dir", "target/image-it")).toAbsolutePath();
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3); // the Deployment's start-up probe allows as much
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private static DockerfileModel dockerfile;
    private static RuntimeStage runtime;
    private static Path buildRoot;
    private static Map<String, String> containerEnv;
    private static Process container;
    private static Path containerLog;
    private static String base;

    @BeforeAll
    static void buildAndStart() throws Exception {
        Assumptions.assumeTrue(RuntimeStage.isRoot(),
                "needs root, as CI runs: the container's root is a private mount namespace, and the image's user is switched to from root");
        ChildProcesses.deleteRecursively(WORK);
        Files.createDirectories(WORK);

        Path context = BuildStage.context(Path.of("").toAbsolutePath(), WORK.resolve("context"));
        dockerfile = DockerfileModel.parse(Files.readString(context.resolve("Dockerfile")));
        List<DockerfileModel.Instruction> build = dockerfile.stage("build")
                .orElseThrow(() -> new AssertionError("the Dockerfile has no stage named build"));
        buildRoot = BuildStage.run(build, context, WORK.resolve("build"), WORK.resolve("build.log"));

        runtime = RuntimeStage.of(dockerfile);
        containerEnv = runtime.containerEnv(deploySettings());
        int port = Integer.parseInt(containerEnv.get("PORT"));
        assertPortFree(port);
        base = "http://127.0.0.1:" + port;
        containerLog = WORK.resolve("container.log");
        container = runtime.start(buildRoot, WORK.resolve("container"), WORK.resolve("data"), containerEnv, List.of(), containerLog);
        awaitReady();
    }

    /** What `docker run -e ...` or the Deployment's Secret and ConfigMap add for production. */
    private static Map<String, String> deploySettings() {
        byte[] secret = new byte[48];
        new SecureRandom().nextBytes(secret);
        Map<String, String> deploy = new LinkedHashMap<>();
        deploy.put("NODE_ENV", "production");
        deploy.put("DATABASE_URL", TestDatabase.freshDatabaseUrl());
        deploy.put("JWT_SECRET", Base64.getEncoder().encodeToString(secret));
        return deploy;
    }

    @AfterAll
    static void stop() {
        ChildProcesses.stopAll();
    }

    @Test
    @Order(1)
    @DisplayName("holds every file of the jar the tests tested, byte for byte: the demo's socket.io client included")
    void sameJarAsTested() throws IOException {
        Path tested = Path.of(System.getProperty("relay.jar", "target/relay.jar"));
        assertThat(tested).as("the build's own jar (run after package)").isRegularFile();
        Map<String, Long> expected = entries(tested);
        Map<String, Long> image = entries(BuildStage.hostPath(buildRoot, runtime.buildJar()));

        Set<String> missing = new LinkedHashSet<>(expected.keySet());
        missing.removeAll(image.keySet());
        Set<String> extra = new LinkedHashSet<>(image.keySet());
        extra.removeAll(expected.keySet());
        List<String> differ = expected.keySet().stream().filter(image::containsKey)
                .filter(name -> !expected.get(name).equals(image.get(name))).toList();
        String hint = " (the image is built from the files git tracks: an untracked file is not in it)";
        assertThat(missing).as("in the tested jar but not in the image's" + hint).isEmpty();
        assertThat(extra).as("in the image's jar but not in the tested one" + hint).isEmpty();
        assertThat(differ).as("different content" + hint).isEmpty();
        assertThat(image).containsKey("webroot/demo/vendor/socket.io.min.js");
    }

    @Test
    @Order(2)
    @DisplayName("runs as the image's user, who can write to DATA_DIR and /tmp and nowhere else")
    void writesOnlyWhereThePodLetsIt() throws Exception {
        Path log = WORK.resolve("writable.log");
        Process probe = runtime.start(buildRoot, WORK.resolve("probe"), WORK.resolve("probe-data"), containerEnv,
                List.of("sh", "-c", "id -u; find / \\( -path /proc -o -path /sys \\) -prune -o -type d -writable -print 2>/dev/null; true"), log);
        assertThat(probe.waitFor(3, TimeUnit.MINUTES)).as("the probe ends").isTrue();
        List<String> lines = Files.readAllLines(log).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        assertThat(lines).as("uid, then every writable directory; %s", ChildProcesses.tail(log, 40))
                .containsExactlyInAnyOrder(String.valueOf(runtime.uid()), "/tmp", runtime.dataDir());
        assertThat(runtime.uid()).isPositive();
    }

    @Test
    @Order(3)
    @DisplayName("/health/ready and /health/live answer UP, and the image's HEALTHCHECK command passes")
    void health() throws Exception {
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).as("/health/ready: %s", ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("UP");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);

        String check = DockerfileModel.last(dockerfile.finalStage(), "HEALTHCHECK").orElseThrow().args();
        Matcher cmd = Pattern.compile("\\bCMD\\s+(.*)$").matcher(check);
        assertThat(cmd.find()).as("HEALTHCHECK ... CMD <command>: %s", check).isTrue();
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", cmd.group(1)).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(containerEnv);
        Process p = ChildProcesses.start(pb);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("HEALTHCHECK %s: %s", cmd.group(1), new String(p.getInputStream().readAllBytes())).isZero();
    }

    @Test
    @Order(4)
    @DisplayName("/demo/ and /demo/phone load, and so does every file they load, from the node itself")
    void demoPages() throws Exception {
        for (String page : List.of("/demo/", "/demo/phone")) {
            HttpResponse<String> html = get(page);
            assertThat(html.statusCode()).as(page).isEqualTo(200);
            assertThat(html.headers().firstValue("Content-Type")).as(page).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
            List<String> assets = assets(html.body());
            assertThat(assets).as("what %s loads", page).anyMatch(a -> a.endsWith("socket.io.min.js")).anyMatch(a -> a.endsWith(".css"));
            for (String asset : assets) {
                URI uri = URI.create(base + page).resolve(asset);
                assertThat(uri.getAuthority()).as("%s loads %s from the node, not from elsewhere", page, asset).isEqualTo(URI.create(base).getAuthority());
                HttpResponse<String> file = get(uri.getRawPath());
                assertThat(file.statusCode()).as("%s loads %s", page, uri.getPath()).isEqualTo(200);
                assertThat(file.body()).as(uri.getPath()).isNotBlank();
                String type = file.headers().firstValue("Content-Type").orElse("");
                if (asset.endsWith(".js")) {
                    assertThat(type).as(uri.getPath()).contains("javascript");
                } else if (asset.endsWith(".css")) {
                    assertThat(type).as(uri.getPath()).startsWith("text/css");
                }
                if (asset.endsWith("socket.io.min.js")) {
                    assertThat(file.body()).startsWith("/*!\n * Socket.IO v4.");
                }
            }
        }
    }

    /** The files a page makes the browser load: scripts, stylesheets, icons, images (data: URLs aside). */
    private static List<String> assets(String html) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("<(?:script|link|img)\\b[^>]*?\\b(?:src|href)\\s*=\\s*\"([^\"]+)\"", Pattern.CASE_INSENSITIVE).matcher(html);
        while (m.find()) {
            if (!m.group(1).startsWith("data:")) {
                found.add(m.group(1));
            }
        }
        return found;
    }

    @Test
    @Order(5)
    @DisplayName("a phone and a browser pair and relay an SMS each way, with the official socket.io-client")
    void pairAndRelay() throws Exception {
        NodeScript.assertPasses("image-smoke.js", Duration.ofSeconds(90), base);
    }

    @Test
    @Order(6)
    @DisplayName("/metrics serves Prometheus text that counts that traffic, with the JVM's and the database pool's")
    void metrics() throws Exception {
        HttpResponse<String> scrape = get("/metrics");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        assertThat(scrape.body().lines())
                .anyMatch(l -> l.startsWith("relay_pairing_scans_total{outcome=\"paired\"} ") && !l.endsWith(" 0.0"))
                .anyMatch(l -> l.startsWith("relay_messages_relayed_total{direction=\"to_web\"} ") && !l.endsWith(" 0.0"))
                .anyMatch(l -> l.startsWith("relay_messages_relayed_total{direction=\"to_phone\"} ") && !l.endsWith(" 0.0"))
                .anyMatch(l -> l.startsWith("jvm_memory_used_bytes{"))
                .anyMatch(l -> l.startsWith("vertx_pool_in_use{") && l.contains("pool_type=\"sql\""));
    }

    @Test
    @Order(7)
    @DisplayName("on SIGTERM (its STOPSIGNAL) the JVM, PID 1 of the container, drains and exits within the pod's grace period")
    void stopsOnSigterm() throws Exception {
        assertThat(DockerfileModel.last(dockerfile.finalStage(), "STOPSIGNAL").map(DockerfileModel.Instruction::args)).contains("SIGTERM");
        ProcessHandle jvm = container.descendants().filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no java process in the container; " + ChildProcesses.tail(containerLog, 40)));
        long grace = Optional.ofNullable(Manifests.load().deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).orElse(30L);
        jvm.destroy(); // SIGTERM
        assertThat(container.waitFor(grace, TimeUnit.SECONDS)).as("stopped within %d s; %s", grace, ChildProcesses.tail(containerLog, 40)).isTrue();
        assertThat(container.exitValue()).as("128 + SIGTERM: the JVM's own orderly exit; %s", ChildProcesses.tail(containerLog, 40)).isEqualTo(143);
    }

    // ---- helpers ----

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!container.isAlive()) {
                throw new AssertionError("the container exited with " + container.exitValue() + "\n" + ChildProcesses.tail(containerLog, 60));
            }
            try {
                HttpResponse<String> r = get("/health/ready");
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not ready within " + START_TIMEOUT + " (last: " + last + ")\n" + ChildProcesses.tail(containerLog, 60));
    }

    private static void assertPortFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            throw new AssertionError("port " + port + " (the image's PORT) is taken on this machine; the image listens there: " + e.getMessage());
        }
    }

    /** Every entry of a jar with its CRC-32 (directories included, as names only). */
    private static Map<String, Long> entries(Path jar) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream().forEach(e -> out.put(e.getName(), e.isDirectory() ? 0L : e.getCrc()));
        }
        return out;
    }
}
