package io.relay.gateway.socketio;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.relay.gateway.socketio.ConformanceClient.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the official protocol test suites themselves, unmodified except for the server URL, against
 * the {@link ConformanceFixture}, when given a local copy of the {@code socketio/socket.io}
 * repository: {@code ./mvnw test -Dtest=OfficialConformanceSuitesTest -Dconformance.suites=<checkout>}.
 *
 * <p>Off by default: the suites are published only on GitHub, which the build may not reach (the
 * always-on equivalents are {@link EngineIoConformanceTest} and {@link SocketIoConformanceTest}).
 * Each suite is copied into {@code target/conformance/}, its own locked npm dependencies are
 * installed there with {@code npm ci}, and mocha runs it; nothing of the suites enters this
 * repository.
 */
@ExtendWith(VertxExtension.class)
@EnabledIfSystemProperty(named = "conformance.suites", matches = ".+")
@DisplayName("The official protocol test suites, from a local copy")
class OfficialConformanceSuitesTest {

    /** The suites hard-code this base URL; it is the one thing replaced in the copy. */
    private static final String SUITE_URL = "\"http://localhost:3000\"";
    private static final List<String> SUITE_FILES = List.of("test-suite.js", "node-imports.js", "package.json", "package-lock.json");

    private final Path checkout = Path.of(System.getProperty("conformance.suites"));
    private final Path workDir = Path.of(System.getProperty("relay.conformance.dir", "target/conformance"));
    private String url;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        ConformanceClient.warmUp();
        ConformanceFixture fixture = new ConformanceFixture(0);
        await(vertx.deployVerticle(fixture));
        url = "\"http://localhost:" + fixture.port() + "\"";
    }

    @Test
    @DisplayName("Engine.IO v4: all 25 tests pass")
    void engineIo() throws Exception {
        assertSuitePasses("docs/engine.io-protocol/v4-test-suite", "engine.io-v4", 25);
    }

    @Test
    @DisplayName("Socket.IO v5: all 32 tests pass")
    void socketIo() throws Exception {
        assertSuitePasses("docs/socket.io-protocol/v5-test-suite", "socket.io-v5", 32);
    }

    private void assertSuitePasses(String suitePath, String name, int expectedTests) throws Exception {
        Path source = checkout.resolve(suitePath);
        assertThat(source.resolve("test-suite.js")).as("the suite in the checkout").exists();
        Path dir = workDir.resolve(name);
        Files.createDirectories(dir);
        for (String file : SUITE_FILES) {
            Files.copy(source.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Path suite = dir.resolve("test-suite.js");
        String code = Files.readString(suite);
        assertThat(code.split(SUITE_URL, -1)).as("the suite names its server URL exactly once").hasSize(2);
        Files.writeString(suite, code.replace(SUITE_URL, url));

        Run install = run(dir, 180, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
        assertThat(install.exitCode()).as("npm ci of the suite's dependencies: %s", install.stderr()).isZero();

        Run mocha = run(dir, 120, "node", "node_modules/mocha/bin/mocha", "--reporter", "json", "test-suite.js");
        JsonObject report = new JsonObject(mocha.stdout());
        JsonObject stats = report.getJsonObject("stats");
        List<String> failed = report.getJsonArray("failures", new JsonArray()).stream()
                .map(f -> ((JsonObject) f).getString("fullTitle") + ": " + ((JsonObject) f).getJsonObject("err").getString("message"))
                .toList();
        assertThat(failed).as("failed tests of %s", name).isEmpty();
        assertThat(stats.getInteger("passes")).as("passing tests of %s", name).isEqualTo(expectedTests);
    }

    private record Run(int exitCode, String stdout, String stderr) {
    }

    private static Run run(Path dir, long timeoutSeconds, String... command) throws Exception {
        File errors = Files.createTempFile("conformance", ".log").toFile();
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectError(errors).start();
        // Read on another thread so a hung process cannot hang the test past its timeout.
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        String err = Files.readString(errors.toPath());
        Files.delete(errors.toPath());
        return new Run(process.exitValue(), stdout.get(5, TimeUnit.SECONDS), err);
    }
}
