package io.relay.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shipped logback.xml, loaded into a private logger context so the test's own logging is untouched. */
@DisplayName("Log format")
class LogFormatTest {

    /** Configures a fresh context from logback.xml with these properties, logs two lines, returns what was written. */
    private static List<String> logWith(String... properties) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // SLF4J's binding sets it on the real context
        for (int i = 0; i < properties.length; i += 2) {
            context.putProperty(properties[i], properties[i + 1]);
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ((OutputStreamAppender<?>) root.getAppender("STDOUT")).setOutputStream(out);
        Logger logger = context.getLogger("io.relay.routing.PhoneEvents");
        logger.info("phone registered node={} device={} socket={} transport={}", "n1", "device-7", "s1", "websocket");
        logger.warn("event failed node={}", "n1", new IllegalStateException("boom"));
        context.stop();
        return Arrays.stream(out.toString(StandardCharsets.UTF_8).split("\n")).filter(line -> !line.isBlank()).toList();
    }

    @Test
    @DisplayName("LOG_FORMAT=json writes one JSON object per line with level, logger, the formatted message, the node id and the exception")
    void json() throws Exception {
        List<String> lines = logWith("LOG_FORMAT", "json", LogContext.NODE_PROPERTY, "node-abc");
        assertThat(lines).hasSize(2);
        JsonObject info = new JsonObject(lines.get(0));
        assertThat(info.getString("level")).isEqualTo("INFO");
        assertThat(info.getString("loggerName")).isEqualTo("io.relay.routing.PhoneEvents");
        assertThat(info.getString("formattedMessage")).isEqualTo("phone registered node=n1 device=device-7 socket=s1 transport=websocket");
        assertThat(info.getLong("timestamp")).isPositive();
        assertThat(info.getJsonObject("context").getJsonObject("properties").getString("node")).isEqualTo("node-abc");
        assertThat(info.fieldNames()).doesNotContain("message", "arguments", "sequenceNumber");
        JsonObject warn = new JsonObject(lines.get(1));
        assertThat(warn.getString("level")).isEqualTo("WARN");
        assertThat(warn.getJsonObject("throwable").getString("className")).isEqualTo(IllegalStateException.class.getName());
    }

    @Test
    @DisplayName("by default lines are human-readable: time, level, thread, logger, message")
    void textByDefault() throws Exception {
        assumeTrue(System.getenv("LOG_FORMAT") == null && System.getProperty("LOG_FORMAT") == null, "LOG_FORMAT is set in this environment");
        List<String> lines = logWith();
        assertThat(lines.get(0)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.+] i\\.r\\.routing\\.PhoneEvents - phone registered node=n1 device=device-7 .*");
        assertThat(lines).anyMatch(line -> line.contains("java.lang.IllegalStateException: boom"));
    }

    @Test
    @DisplayName("an unknown LOG_FORMAT still logs, as text, instead of logging nothing")
    void unknownFormatFallsBackToText() throws Exception {
        List<String> lines = logWith("LOG_FORMAT", "jsno");
        assertThat(lines.get(0)).contains("INFO").contains("phone registered node=n1").doesNotStartWith("{");
    }
}
