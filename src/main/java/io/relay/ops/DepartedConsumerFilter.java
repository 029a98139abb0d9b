package io.relay.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.relay.vocabulary.Addresses;
import org.slf4j.Marker;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts, instead of logging, one warning of Vert.x's that is the relay working as designed: "Discarding message
 * since the consumer is not registered" for a phone's {@link Addresses#web web address}. A node's consumer of a
 * phone's events goes with the last browser of that phone on the node; an event already on its way to it then has
 * nobody left to reach there, and the browsers resume from their last number wherever they come back. When many
 * browsers go at once (a node restarting, a network partition healing) that was a WARN per event in flight, in the
 * lines an operator reads first. Every other discard still logs: a paused consumer that overflows, any other
 * address, or this text changed by a later Vert.x (then the warnings come back rather than anything going unseen).
 * The count is {@code relay_fanout_departed_total} on {@code /metrics}, per process.
 */
public final class DepartedConsumerFilter extends TurboFilter {
    static final String LOGGER = "io.vertx.core.eventbus.impl.MessageConsumerImpl";
    static final String PREFIX = "Discarding message since the consumer is not registered. address: ";

    private static final LongAdder DEPARTED = new LongAdder();

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == Level.WARN && format != null && format.startsWith(PREFIX) && LOGGER.equals(logger.getName())
                && Addresses.isWeb(format.substring(PREFIX.length()))) {
            DEPARTED.increment();
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    /** Events this process dropped so, since it started. */
    public static long departed() {
        return DEPARTED.sum();
    }
}
