package io.relay.ops;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

import java.util.Locale;

/**
 * The console encoder of {@code logback.xml}: human-readable lines by default, one JSON object per
 * line when {@code format} is {@code json} (set from {@code LOG_FORMAT}). A single appender with a
 * switchable encoder means a mistyped format still logs (as text) instead of silently logging nothing.
 *
 * <p>JSON lines carry {@code timestamp} (epoch ms), {@code level}, {@code threadName},
 * {@code loggerName}, {@code formattedMessage}, {@code context.properties.node} (the node id),
 * MDC and key/value pairs, and {@code throwable} when there is one. The raw message template and its
 * arguments are left out: the formatted message already has them.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {

    private String format = "text";
    private String pattern = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n";
    private Encoder<ILoggingEvent> delegate;

    public void setFormat(String format) {
        this.format = format;
    }

    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    /** True when this encoder writes JSON lines. */
    public boolean json() {
        return format != null && "json".equals(format.trim().toLowerCase(Locale.ROOT));
    }

    @Override
    public void start() {
        if (json()) {
            JsonEncoder encoder = new JsonEncoder();
            encoder.setWithSequenceNumber(false);
            encoder.setWithNanoseconds(false);
            encoder.setWithMessage(false);
            encoder.setWithArguments(false);
            encoder.setWithFormattedMessage(true);
            delegate = encoder;
        } else {
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setPattern(pattern);
            delegate = encoder;
        }
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }
}
