package io.relay.ops;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Puts the node id into every log line's context (the {@code context.properties.node} of JSON lines). */
public final class LogContext {
    public static final String NODE_PROPERTY = "node";

    private LogContext() {
    }

    public static void nodeId(String nodeId) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.putProperty(NODE_PROPERTY, nodeId);
        }
    }
}
