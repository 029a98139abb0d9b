package io.relay;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.regex.Pattern;

/** Records every log line of the relay (at DEBUG) while open, to check what never gets logged. */
public final class LogCapture implements AutoCloseable {

    /** A JWT (session tokens), or 256 random bits in base64url (device secrets, QR scan secrets). */
    public static final Pattern CREDENTIAL = Pattern.compile("eyJ[\\w-]{8,}\\.[\\w-]{8,}|(?<![\\w-])[\\w-]{43}(?![\\w-])");

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger relay;
    private final Level previous;
    private final Logger root;

    public LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        relay = context.getLogger("io.relay");
        previous = relay.getLevel();
        relay.setLevel(Level.DEBUG);
        appender.setContext(context);
        appender.start();
        root.addAppender(appender);
    }

    /** Every captured line: the formatted message and any stack trace text. */
    public List<String> lines() {
        synchronized (appender) { // the lock AppenderBase.doAppend holds while it adds to the list
            return appender.list.stream()
                    .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())))
                    .toList();
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        relay.setLevel(previous);
        appender.stop();
    }
}
