package io.relay.warmup;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the per-connection lines (socket opened, phone registered, web synced, ...) of the warm-up's
 * hundreds of throwaway clients out of the log: about 9,000 lines at every start otherwise. Raises the
 * packages that write them to WARN from before the warm-up's server starts until it is undeployed (so the
 * close of its last connections is muted too), and puts back what they were; their warnings and errors
 * still show. The node has no clients of its own meanwhile (it does not listen yet), so nothing
 * of theirs is hidden. Does nothing when the logging backend is not logback.
 */
public final class QuietLogs {
    /** Loggers and the level they are raised to: the relay's per-connection lines, and Vert.x's warning for each
     *  message that reached a consumer its client just closed (the warm-up's clients close as soon as a round is done). */
    private static final Map<String, Level> MUTED = Map.of(
            "io.relay.gateway", Level.WARN,
            "io.relay.routing", Level.WARN,
            "io.relay.pairing", Level.WARN,
            "io.vertx.core.eventbus.impl.MessageConsumerImpl", Level.ERROR);

    private final Map<Logger, Level> before = new HashMap<>();

    /** Mutes those loggers below their level until {@link #restore()}. */
    public static QuietLogs mute() {
        QuietLogs quiet = new QuietLogs();
        MUTED.forEach((name, level) -> {
            if (LoggerFactory.getLogger(name) instanceof Logger logger && !logger.getEffectiveLevel().isGreaterOrEqual(level)) {
                quiet.before.put(logger, logger.getLevel()); // null: it inherits, and will again
                logger.setLevel(level);
            }
        });
        return quiet;
    }

    /** Puts back the levels the muted loggers had. */
    public void restore() {
        before.forEach(Logger::setLevel);
        before.clear();
    }
}
