package io.relay.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.relay.RelayNode;
import io.relay.e2e.FreshRelay;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo pages in a real headless Chromium, driven by Playwright (src/test/node/demo-browser.js):
 * the web client and the phone simulator pair, exchange an SMS each way, mark read and follow the
 * phone's presence. Screenshots land in target/demo-screenshots. The server's log lines of the whole
 * run are checked for message texts and tokens, which must never be logged.
 */
@DisplayName("The demo in a real browser")
class DemoBrowserTest {

    private static final Path SCREENSHOTS = Path.of("target", "demo-screenshots").toAbsolutePath();

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults().startedInTest();
    private RelayNode node;
    private ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void start() throws Exception {
        logs = new ListAppender<>();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        logs.setContext(context);
        logs.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(logs);
        node = relay.start(); // after the appender: the node's start is in the log checked
    }

    @AfterEach
    void stop() throws Exception {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(logs);
    }

    @Test
    @DisplayName("pairs the web client with the simulated phone, carries an SMS each way with statuses, marks read, shows presence, and logs no text or token")
    void pairAndTalk() throws Exception {
        Path chromium = Chromium.ensureInstalled();
        Path nodeDir = Path.of(System.getProperty("relay.node.dir", "src/test/node"));
        assertThat(nodeDir.resolve("node_modules/playwright-core")).as("npm ci ran in %s", nodeDir).exists();

        JsonObject result = run(nodeDir, "node", "demo-browser.js", "http://127.0.0.1:" + node.port(), SCREENSHOTS.toString(), chromium.toString());

        assertThat(result.getJsonArray("errors")).as("errors in the pages or the run").isEmpty();
        assertThat(result.getBoolean("ok")).isTrue();
        assertThat(result.getJsonArray("steps")).hasSize(9);
        for (String name : List.of("demo-pairing.png", "demo-paired.png", "demo-phone.png", "demo-phone-offline.png")) {
            assertThat(SCREENSHOTS.resolve(name)).isNotEmptyFile();
        }

        JsonObject secrets = result.getJsonObject("secrets");
        List<String> never = new ArrayList<>(secrets.getJsonArray("texts").stream().map(String.class::cast).toList());
        never.add(secrets.getString("qrSecret"));
        never.add(secrets.getString("waiterToken"));
        never.add(secrets.getString("sessionToken"));
        assertThat(never).doesNotContainNull().allSatisfy(secret -> assertThat(secret).isNotBlank());
        List<String> lines = logs.list.stream().map(DemoBrowserTest::text).toList();
        assertThat(lines).as("log lines of the run").anyMatch(line -> line.contains("phone registered"));
        for (String secret : never) {
            assertThat(lines).as("no log line contains %s", secret).noneMatch(line -> line.contains(secret));
        }
    }

    private static String text(ILoggingEvent event) {
        return event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }

    /** Runs the Node script; its last stdout line is the JSON result. */
    private static JsonObject run(Path dir, String... command) throws Exception {
        Path stderr = Files.createTempFile("demo-browser", ".log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectError(stderr.toFile()).start();
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        boolean exited = process.waitFor(180, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String out = stdout.get(10, TimeUnit.SECONDS).trim();
        String err = Files.readString(stderr);
        assertThat(exited).as("the browser run finished in time; stderr: %s", err).isTrue();
        String[] lines = out.split("\n");
        assertThat(lines[lines.length - 1]).as("a JSON result; stdout %s; stderr %s", out, err).startsWith("{");
        return new JsonObject(lines[lines.length - 1]);
    }
}
