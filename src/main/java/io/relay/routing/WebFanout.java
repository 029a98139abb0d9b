package io.relay.routing;

import io.relay.gateway.socketio.SocketIoPackets;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.relay.vocabulary.Addresses;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The browsers connected to this node, grouped by the phone they are paired with (one fan-out group per
 * phone). A node holds
 * <em>one</em> consumer on {@link Addresses#web} per phone with at least one local browser and fans
 * each event out to its local sockets; phone events are published there already encoded, so a fan-out
 * to many browsers encodes the message body once, on the phone's node. With a {@link WebCatchUp}, each
 * phone's events reach its browsers here in sequence order, gaps filled from the log.
 *
 * <p>A browser being answered from storage (or replayed from the log) can be <em>held</em>: live events
 * for it wait until its answer is out, and those the answer already covered (by sequence number) are
 * dropped. The web app replaces a whole thread with each {@code messages:sync}, so a snapshot that
 * arrived after a newer live event would wipe that event out of the thread.
 *
 * <p>Node-wide and thread-safe: HTTP verticle instances on different event loops share it.
 */
public final class WebFanout {

    /** Header naming the event of a published packet, so the fan-out can count it without parsing. */
    static final String EVENT_HEADER = "event";
    /** Header carrying a logged event's sequence number, so each node keeps its browsers in order without parsing. */
    static final String SEQ_HEADER = "seq";
    /** Header carrying the number of the event before it (lower than seq - 1 across skipped numbers). */
    static final String PREV_HEADER = "prev";
    /** Live events kept for one held browser; past this it is released as is (a stuck storage read must not grow without bound). */
    static final int MAX_HELD = 10_000;
    /** The sequence number of an event that is not in the phone's log (presence). */
    static final long UNNUMBERED = -1;

    private final Vertx vertx;
    private final Metrics metrics;
    /** Changed under this object's lock; read without it (the catch-up delivers while holding its own locks). */
    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final WebCatchUp catchUp;

    /** Without a log to catch up from: live events are handed over as they come (for tests of one part). */
    public WebFanout(Vertx vertx) {
        this(vertx, Metrics.standalone(), null, "-");
    }

    public WebFanout(Vertx vertx, Metrics metrics, WebCatchUp.Log eventLog, String nodeId) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.catchUp = eventLog == null ? null : new WebCatchUp(vertx, nodeId, eventLog, this::deliverPacket);
    }

    /** Publishes an event that is not in the phone's log (presence, an expired send) to every browser of the phone, on every node. */
    public void publish(String deviceId, String event, Object... args) {
        vertx.eventBus().publish(Addresses.web(deviceId), SocketIoPackets.encodeEvent(event, args),
                new DeliveryOptions().addHeader(EVENT_HEADER, event));
    }

    /**
     * Publishes an event of the phone's log, encoded as {@code packet}, whose payload carries its sequence number
     * {@code seq}; {@code prev} is the number of the event before it.
     */
    public void publishLogged(String deviceId, String event, long seq, long prev, String packet) {
        vertx.eventBus().publish(Addresses.web(deviceId), packet, new DeliveryOptions().addHeader(EVENT_HEADER, event)
                .addHeader(SEQ_HEADER, Long.toString(seq)).addHeader(PREV_HEADER, Long.toString(prev)));
    }

    /** What this node's browsers were handed and missed; null without a log. */
    public WebCatchUp catchUp() {
        return catchUp;
    }

    /**
     * Adds the socket to the phone's browsers; the Future completes once this node's consumer is
     * registered (cluster-wide), so nothing published after that is missed.
     */
    public Future<Void> join(String deviceId, SocketIoSocket socket) {
        Group group;
        synchronized (this) {
            group = groups.get(deviceId);
            if (group == null) {
                if (catchUp != null) {
                    catchUp.opened(deviceId);
                }
                group = new Group();
                group.consumer = consumer(deviceId);
                groups.put(deviceId, group);
            }
            group.subscribers.putIfAbsent(socket, new Subscriber());
        }
        return group.consumer.completion();
    }

    /** Removes the socket; the last browser of a phone on this node takes the consumer with it. */
    public void leave(String deviceId, SocketIoSocket socket) {
        MessageConsumer<String> drop = null;
        synchronized (this) {
            Group group = groups.get(deviceId);
            if (group != null && group.subscribers.remove(socket) != null && group.subscribers.isEmpty()) {
                groups.remove(deviceId);
                drop = group.consumer;
            }
        }
        if (drop != null) {
            if (catchUp != null) {
                catchUp.closed(deviceId);
            }
            drop.unregister();
        }
    }

    /**
     * Holds live events for this browser until {@link #release}; call on the socket's context, before
     * reading what it will be answered with.
     */
    void hold(String deviceId, SocketIoSocket socket) {
        Subscriber subscriber = subscriber(deviceId, socket);
        if (subscriber != null) {
            subscriber.held = new ArrayList<>();
        }
    }

    /**
     * Lets live events through again, after sending those held meanwhile that the answer did not cover:
     * numbered ones past {@code coveredTo}, and every unnumbered one (presence). Call on the socket's context.
     */
    void release(String deviceId, SocketIoSocket socket, long coveredTo) {
        Subscriber subscriber = subscriber(deviceId, socket);
        if (subscriber == null || subscriber.held == null) {
            return;
        }
        List<Packet> held = subscriber.held;
        subscriber.held = null;
        subscriber.sent = Math.max(subscriber.sent, coveredTo);
        for (Packet packet : held) {
            send(socket, subscriber, packet);
        }
    }

    /** Phones with at least one browser on this node. */
    public List<String> localDevices() {
        return List.copyOf(groups.keySet());
    }

    /** Sends an event to this node's browsers of the phone only (for news that every node learns by itself). */
    public void deliverLocally(String deviceId, String event, Object... args) {
        if (!groups.containsKey(deviceId)) {
            return;
        }
        String packet = SocketIoPackets.encodeEvent(event, args);
        if (catchUp == null) {
            deliverPacket(deviceId, event, UNNUMBERED, packet);
        } else {
            catchUp.received(deviceId, event, null, null, packet); // in its place behind events being caught up
        }
    }

    /** Browsers of the phone connected to this node (for tests and metrics). */
    public int localCount(String deviceId) {
        Group group = groups.get(deviceId);
        return group == null ? 0 : group.subscribers.size();
    }

    /**
     * Registers every phone's consumer here again (the new one first, then the old one goes), so every
     * node that publishes to these addresses looks their consumers up afresh. After a split-brain merge
     * a publisher's cached list of consumers can stay as it was during the partition (Vert.x refreshes it
     * only on a change to that address's registrations, and the merge itself is none): its events then
     * reach nobody on this side. Events that arrive twice during the swap are dropped by the catch-up.
     */
    public void refreshRoutes() {
        for (String deviceId : localDevices()) {
            MessageConsumer<String> fresh = consumer(deviceId);
            fresh.completion().onComplete(ar -> {
                MessageConsumer<String> old = null;
                synchronized (this) {
                    Group group = groups.get(deviceId);
                    if (ar.succeeded() && group != null) {
                        old = group.consumer;
                        group.consumer = fresh;
                    }
                }
                (old != null ? old : fresh).unregister();
            });
        }
    }

    /** The phone's consumer here: hands each event to the catch-up (or straight to the browsers), whatever group holds them now. */
    private MessageConsumer<String> consumer(String deviceId) {
        return vertx.eventBus().consumer(Addresses.web(deviceId), message -> {
            String event = message.headers().get(EVENT_HEADER);
            Long seq = number(message.headers().get(SEQ_HEADER));
            if (catchUp == null) {
                deliverPacket(deviceId, event, seq == null ? UNNUMBERED : seq, message.body());
            } else {
                catchUp.received(deviceId, event, seq, number(message.headers().get(PREV_HEADER)), message.body());
            }
        });
    }

    private static Long number(String header) {
        try {
            return header == null ? null : Long.valueOf(header);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Subscriber subscriber(String deviceId, SocketIoSocket socket) {
        Group group = groups.get(deviceId);
        return group == null ? null : group.subscribers.get(socket);
    }

    /** To this node's current browsers of the phone (whatever group holds them now), each on its own context. */
    private void deliverPacket(String deviceId, String event, long seq, String encoded) {
        Group group = groups.get(deviceId);
        if (group == null) {
            return;
        }
        Packet packet = new Packet(event, seq, encoded);
        group.subscribers.forEach((socket, subscriber) -> socket.runOnContext(v -> {
            List<Packet> held = subscriber.held;
            if (held == null) {
                send(socket, subscriber, packet);
            } else if (held.size() < MAX_HELD) {
                held.add(packet);
            } else {
                subscriber.held = null;
                held.forEach(p -> send(socket, subscriber, p));
                send(socket, subscriber, packet);
            }
        }));
    }

    /**
     * Sends a packet unless it is numbered and this browser already has it: a browser answered from storage
     * may have got events that this node's stream replays from the log afterwards (it was relayed before this
     * node subscribed and stored after the stream started).
     */
    private void send(SocketIoSocket socket, Subscriber subscriber, Packet packet) {
        if (packet.seq != UNNUMBERED) {
            // A reset's lot (sync:reset, the snapshot, sync:complete) carries one number throughout.
            boolean inLot = subscriber.inResetLot && packet.seq == subscriber.sent;
            if (packet.seq <= subscriber.sent && !inLot) {
                return;
            }
            subscriber.sent = packet.seq;
            if (Events.SYNC_RESET.equals(packet.event)) {
                subscriber.inResetLot = true;
            } else if (Events.SYNC_COMPLETE.equals(packet.event)) {
                subscriber.inResetLot = false;
            }
        }
        send(socket, packet);
    }

    private void send(SocketIoSocket socket, Packet packet) {
        if (socket.connected() && packet.event != null) {
            metrics.eventSent(packet.event);
        }
        socket.sendEncoded(packet.encoded);
    }

    /** An encoded event on its way to browsers; {@code seq} is its number in the phone's log, or {@link #UNNUMBERED}. */
    private record Packet(String event, long seq, String encoded) {
    }

    /** One browser of a group; {@code held} is touched only on its socket's context. */
    private static final class Subscriber {
        /** Live packets waiting while the browser is held; null when it is not. */
        List<Packet> held;
        /** The highest number sent to it (or covered by its answer from storage); -1 before any. */
        long sent = UNNUMBERED;
        /** Between a sync:reset and its sync:complete, sent to it: the packets between carry the reset's number. */
        boolean inResetLot;
    }

    private static final class Group {
        final Map<SocketIoSocket, Subscriber> subscribers = new ConcurrentHashMap<>();
        volatile MessageConsumer<String> consumer;
    }
}
