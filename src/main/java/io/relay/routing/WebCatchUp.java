package io.relay.routing;

import io.relay.gateway.socketio.SocketIoPackets;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this node's browsers of each phone have been handed, and what they missed: the event bus is
 * at-most-once (a partition, a stale route), and an event relayed before this node subscribed may be
 * stored only after it read where the phone stood, but every numbered phone event that was stored is in
 * the device's log. Per phone with browsers here, this keeps the last seq delivered to them and delivers
 * live events strictly in seq order: each event names the number before it (numbers may be skipped, never
 * reused), and an event whose predecessor was not delivered yet is held while the missing ones are read from
 * the log ({@link Log#eventsSince}) and delivered first; an event already delivered (a replay overtook it)
 * is dropped. {@link #recheck} compares with the log
 * without waiting for a live event, for when this node may have missed the last ones (it rejoined its
 * cluster after a partition). A gap the log no longer covers ends in {@code sync:reset} and a full sync
 * from storage, as a resume that is too far behind does.
 *
 * <p>So a browser that stays connected sees every event once, in order, without asking: it never needs
 * to resume because the relay lost something on the way. (A browser that reconnects still resumes with
 * {@code web:request-sync {since}}: what it saw is its own business once its socket is gone.)
 *
 * <p>Unnumbered events (presence) keep their place behind held ones.
 *
 * <p>Thread-safe: each phone's state is guarded by itself; log answers may come on any thread. Handing
 * over ({@link Browsers#deliver}) happens under that lock, so it must take no lock of its own.
 */
public final class WebCatchUp {
    private static final Logger log = LoggerFactory.getLogger(WebCatchUp.class);
    /** Events read from the log at once while catching up. */
    static final int PAGE = 500;
    private static final long UNKNOWN = -1;
    private static final long FIRST_RETRY_MS = 100;
    private static final long MAX_RETRY_MS = 5_000;
    /**
     * Reads of the log that find nothing newer although a later event was seen, before giving up on the log:
     * long enough for a write behind its relay to be stored under load.
     */
    private static final int EMPTY_READS_BEFORE_RESET = 8;

    /** The device event log, as far as catching up needs it. */
    public interface Log {
        /** The phone's last seq (0 before its first event). */
        Future<Long> lastSeq(String deviceId);

        /** Logged events after {@code since}, oldest first: {@code [{seq, prev, event, payload}]}. */
        Future<JsonArray> eventsSince(String deviceId, long since, int limit);

        /** What storage has for a full sync, current to its {@code seq}. */
        Future<StoredSync> snapshot(String deviceId);
    }

    /**
     * Hands an encoded Socket.IO packet to this node's browsers of the phone, in call order; {@code seq} is
     * the number of the log event it carries (or of the snapshot it belongs to), or {@link WebFanout#UNNUMBERED}.
     */
    public interface Browsers {
        void deliver(String deviceId, String event, long seq, String packet);
    }

    private final Vertx vertx;
    private final String nodeId;
    private final Log eventLog;
    private final Browsers browsers;
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();

    public WebCatchUp(Vertx vertx, String nodeId, Log eventLog, Browsers browsers) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.eventLog = eventLog;
        this.browsers = browsers;
    }

    /**
     * The phone has its first browser on this node. Call before its live events can arrive; where it
     * stands is read from the log, unless a live event says so first.
     */
    public void opened(String deviceId) {
        Stream stream = new Stream(deviceId);
        streams.put(deviceId, stream);
        // Never inline: the caller may hold its own lock, and this one is taken after it nowhere else.
        eventLog.lastSeq(deviceId).onComplete(ar -> vertx.runOnContext(v -> {
            synchronized (stream) {
                if (stream.delivered == UNKNOWN) {
                    // Events up to here reached the browsers' own sync, or come live next and are known by then.
                    stream.delivered = ar.succeeded() ? ar.result() : UNKNOWN;
                }
            }
        }));
    }

    /** The phone's last browser on this node left. */
    public void closed(String deviceId) {
        Stream stream = streams.remove(deviceId);
        if (stream != null) {
            synchronized (stream) {
                stream.open = false;
                stream.held.clear();
            }
        }
    }

    /**
     * A live event for the phone's browsers: {@code seq} its number and {@code prev} the number of the event
     * before it, both null when unnumbered ({@code prev} null alone: {@code seq - 1}, as a node of the version
     * before numbered without gaps and does not say).
     */
    public void received(String deviceId, String event, Long seq, Long prev, String packet) {
        Stream stream = streams.get(deviceId);
        if (stream == null) {
            browsers.deliver(deviceId, event, seq == null ? WebFanout.UNNUMBERED : seq, packet);
            return;
        }
        Held item = seq == null ? new Held(event, UNKNOWN, UNKNOWN, packet) : new Held(event, seq, prev == null ? seq - 1 : prev, packet);
        synchronized (stream) {
            if (!stream.filling && stream.held.isEmpty() && offer(stream, item)) {
                return;
            }
            stream.held.add(item);
            if (!stream.filling) {
                fill(stream, FIRST_RETRY_MS, 0);
            }
        }
    }

    /** Compares what the phone's browsers here were handed with the log, and delivers what they missed. */
    public void recheck(String deviceId) {
        Stream stream = streams.get(deviceId);
        if (stream == null) {
            return;
        }
        eventLog.lastSeq(deviceId).onSuccess(last -> {
            synchronized (stream) {
                if (stream.open && !stream.filling && stream.delivered != UNKNOWN && last > stream.delivered) {
                    log.info("browsers behind the log node={} device={} delivered={} last={}: catching up", nodeId, deviceId,
                            stream.delivered, last);
                    fill(stream, FIRST_RETRY_MS, 0);
                }
            }
        });
    }

    /** Phones with browsers here that this tracks. */
    public java.util.Set<String> devices() {
        return java.util.Set.copyOf(streams.keySet());
    }

    /** The last seq delivered to the phone's browsers here, or -1 when not known (yet). */
    public long delivered(String deviceId) {
        Stream stream = streams.get(deviceId);
        if (stream == null) {
            return UNKNOWN;
        }
        synchronized (stream) {
            return stream.delivered;
        }
    }

    /** Delivers the item if its turn has come, or drops it if it is stale; false when it must wait. Holds the stream's lock. */
    private boolean offer(Stream stream, Held item) {
        if (item.seq == UNKNOWN) {
            deliver(stream, item.event, WebFanout.UNNUMBERED, item.packet);
            return true;
        }
        if (stream.delivered == UNKNOWN || (item.prev <= stream.delivered && item.seq > stream.delivered)) {
            stream.delivered = item.seq;
            deliver(stream, item.event, item.seq, item.packet);
            return true;
        }
        return item.seq <= stream.delivered; // already delivered (a replay overtook it): dropped
    }

    private void drain(Stream stream) {
        while (!stream.held.isEmpty() && offer(stream, stream.held.peek())) {
            stream.held.poll();
        }
    }

    /** Reads what is missing after {@code delivered} and delivers it, then what was held. Holds the stream's lock. */
    private void fill(Stream stream, long retryMs, int emptyReads) {
        stream.filling = true;
        long from = stream.delivered;
        eventLog.eventsSince(stream.deviceId, from, PAGE).onComplete(ar -> {
            synchronized (stream) {
                if (!stream.open) {
                    return;
                }
                if (ar.failed()) {
                    log.warn("catching up failed node={} device={} after={}: {}; retrying in {} ms", nodeId, stream.deviceId, from,
                            ar.cause().getMessage(), retryMs);
                    vertx.setTimer(retryMs, id -> {
                        synchronized (stream) {
                            if (stream.open) {
                                fill(stream, Math.min(MAX_RETRY_MS, retryMs * 2), emptyReads);
                            }
                        }
                    });
                    return;
                }
                JsonArray events = ar.result();
                if (!events.isEmpty() && events.getJsonObject(0).getLong(PhoneEvents.PREV) > stream.delivered) {
                    reset(stream, "missed events are no longer in the log");
                    return;
                }
                int replayed = 0;
                for (int i = 0; i < events.size(); i++) {
                    JsonObject event = events.getJsonObject(i);
                    long seq = event.getLong(PhoneEvents.SEQ);
                    if (seq > stream.delivered && event.getLong(PhoneEvents.PREV) <= stream.delivered) {
                        stream.delivered = seq;
                        String name = event.getString("event");
                        deliver(stream, name, seq, SocketIoPackets.encodeEvent(name, PhoneEvents.numbered(event)));
                        replayed++;
                    }
                }
                if (replayed > 0) {
                    log.info("browsers caught up from the log node={} device={} after={} replayed={}", nodeId, stream.deviceId, from, replayed);
                }
                drain(stream);
                if (events.size() == PAGE) {
                    fill(stream, FIRST_RETRY_MS, 0); // a full page: the log may hold more
                } else if (stream.held.isEmpty()) {
                    stream.filling = false;
                } else if (emptyReads + 1 >= EMPTY_READS_BEFORE_RESET) {
                    reset(stream, "missed events are not in the log");
                } else {
                    vertx.setTimer(retryMs, id -> {
                        synchronized (stream) {
                            if (stream.open) {
                                fill(stream, retryMs, emptyReads + 1);
                            }
                        }
                    });
                }
            }
        });
    }

    /** The log cannot bridge the gap: the browsers start over from a full sync, told so by {@code sync:reset}. Holds the lock. */
    private void reset(Stream stream, String reason) {
        stream.filling = true;
        eventLog.snapshot(stream.deviceId).onComplete(ar -> {
            synchronized (stream) {
                if (!stream.open) {
                    return;
                }
                if (ar.failed()) {
                    vertx.setTimer(MAX_RETRY_MS, id -> {
                        synchronized (stream) {
                            if (stream.open) {
                                reset(stream, reason);
                            }
                        }
                    });
                    return;
                }
                StoredSync snapshot = ar.result();
                long seq = snapshot.seq();
                log.info("browsers reset from storage node={} device={} delivered={} seq={}: {}", nodeId, stream.deviceId, stream.delivered, seq, reason);
                // All numbered as the snapshot: a browser whose own answer from storage is newer skips the lot.
                deliver(stream, Events.SYNC_RESET, seq, SocketIoPackets.encodeEvent(Events.SYNC_RESET,
                        new JsonObject().put(PhoneEvents.SEQ, seq).put("reason", reason)));
                snapshot.forEachEvent((name, payload) -> deliver(stream, name, seq, SocketIoPackets.encodeEvent(name, payload)));
                deliver(stream, Events.SYNC_COMPLETE, seq, SocketIoPackets.encodeEvent(Events.SYNC_COMPLETE, new JsonObject().put(PhoneEvents.SEQ, seq)));
                stream.delivered = Math.max(stream.delivered, seq);
                drain(stream);
                stream.filling = false;
                if (!stream.held.isEmpty()) {
                    fill(stream, FIRST_RETRY_MS, 0);
                }
            }
        });
    }

    private void deliver(Stream stream, String event, long seq, String packet) {
        if (stream.open) {
            browsers.deliver(stream.deviceId, event, seq, packet);
        }
    }

    /** One phone's browsers on this node. Guarded by itself. */
    private static final class Stream {
        final String deviceId;
        long delivered = UNKNOWN;
        final ArrayDeque<Held> held = new ArrayDeque<>();
        boolean filling;
        boolean open = true;

        Stream(String deviceId) {
            this.deviceId = deviceId;
        }
    }

    private record Held(String event, long seq, long prev, String packet) {
    }
}
