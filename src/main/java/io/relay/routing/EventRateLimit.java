package io.relay.routing;

import io.relay.config.RelayConfig;
import io.relay.gateway.socketio.ClientEvent;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.security.TokenBucket;
import io.relay.vocabulary.Events;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection's allowance of events: a token bucket of {@code eventBurst} refilled at
 * {@code eventsPerSecond}. An event over the allowance is not handled; the client gets
 * {@code error {message:"Rate limit exceeded"}} and a failing ack, and the connection stays. Refusals
 * are counted node-wide and logged once per connection (then every {@value #LOG_EVERY}th), so a
 * flood cannot flood the log too.
 */
final class EventRateLimit {
    private static final Logger log = LoggerFactory.getLogger(EventRateLimit.class);
    static final String EXCEEDED = "Rate limit exceeded";
    private static final int LOG_EVERY = 1000;

    private final TokenBucket bucket;
    private final AtomicLong nodeCount;
    private long refusedHere;

    EventRateLimit(RelayConfig.Security security, AtomicLong nodeCount) {
        this.bucket = new TokenBucket(security.eventBurst(), security.eventsPerSecond(), System.nanoTime());
        this.nodeCount = nodeCount;
    }

    /** True when the event may be handled; otherwise it has been answered as refused. */
    boolean admit(ClientEvent event, SocketIoSocket socket, String nodeId, String device) {
        if (bucket.tryTake(System.nanoTime())) {
            return true;
        }
        long total = nodeCount.incrementAndGet();
        if (refusedHere++ % LOG_EVERY == 0) {
            log.warn("event rate limit exceeded node={} socket={} device={} remote={} refusedOnSocket={} refusedOnNode={}",
                    nodeId, socket.id(), device, socket.remoteAddress(), refusedHere, total);
        }
        socket.emit(Events.ERROR, ClientErrors.describe(new JsonObject().put("message", EXCEEDED), FailureReason.RATE_LIMITED));
        event.ackIfWanted(ClientErrors.describe(new JsonObject().put("success", false).put("error", EXCEEDED), FailureReason.RATE_LIMITED));
        return false;
    }
}
