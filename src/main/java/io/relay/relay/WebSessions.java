package io.relay.relay;

import io.relay.gateway.socketio.SocketIoPackets;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The browsers connected to this node, grouped by the phone they are paired with. A node holds
 * <em>one</em> consumer on {@link Addresses#web} per phone with at least one local browser and fans
 * each event out to its local sockets; phone events are published there already encoded, so a fan-out
 * to many browsers encodes the message body once, on the phone's node.
 *
 * <p>A browser being answered from storage (or replayed from the log) can be <em>held</em>: live events
 * for it wait until its answer is out, and those the answer already covered (by sequence number) are
 * dropped. The web app replaces a whole thread with each {@code messages:sync}, so a snapshot that
 * arrived after a newer live event would wipe that event out of the thread.
 *
 * <p>Node-wide and thread-safe: HTTP verticle instances on different event loops share it.
 */
public final class WebSessions {

    /** Header naming the event of a published packet, so the fan-out can count it without parsing. */
    static final String EVENT_HEADER = "event";
    /** Header carrying a logged event's sequence number, so a held browser can tell what its answer covered. */
    static final String SEQ_HEADER = "seq";
    /** Live events kept for one held browser; past this it is released as is (a stuck storage read must not grow without bound). */
    static final int MAX_HELD = 10_000;
    private static final long UNNUMBERED = -1;

    private final Vertx vertx;
    private final Metrics metrics;
    private final Map<String, Group> groups = new HashMap<>(); // guarded by this

    public WebSessions(Vertx vertx) {
        this(vertx, Metrics.standalone());
    }

    public WebSessions(Vertx vertx, Metrics metrics) {
        this.vertx = vertx;
        this.metrics = metrics;
    }

    /** Publishes an event to every browser of the phone, on every node. */
    public void publish(String deviceId, String event, Object... args) {
        vertx.eventBus().publish(Addresses.web(deviceId), SocketIoPackets.encodeEvent(event, args),
                new DeliveryOptions().addHeader(EVENT_HEADER, event));
    }

    /** Publishes an event of the phone's log, whose payload carries its sequence number {@code seq}. */
    public void publishLogged(String deviceId, String event, long seq, Object payload) {
        vertx.eventBus().publish(Addresses.web(deviceId), SocketIoPackets.encodeEvent(event, payload),
                new DeliveryOptions().addHeader(EVENT_HEADER, event).addHeader(SEQ_HEADER, Long.toString(seq)));
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
        for (Packet packet : held) {
            if (packet.seq == UNNUMBERED || packet.seq > coveredTo) {
                send(socket, packet);
            }
        }
    }

    private Subscriber subscriber(String deviceId, SocketIoSocket socket) {
        Group group;
        synchronized (this) {
            group = groups.get(deviceId);
        }
        return group == null ? null : group.subscribers.get(socket);
    }

    /**
     * Adds the socket to the phone's browsers; the Future completes once this node's consumer is
     * registered (cluster-wide), so nothing published after that is missed.
     */
    public Future<Void> join(String deviceId, SocketIoSocket socket) {
        Group group;
        synchronized (this) {
            group = groups.computeIfAbsent(deviceId, this::subscribe);
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
            drop.unregister();
        }
    }

    /** Phones with at least one browser on this node. */
    public synchronized java.util.List<String> localDevices() {
        return java.util.List.copyOf(groups.keySet());
    }

    /** Sends an event to this node's browsers of the phone only (for news that every node learns by itself). */
    public void deliverLocally(String deviceId, String event, Object... args) {
        Group group;
        synchronized (this) {
            group = groups.get(deviceId);
        }
        if (group != null) {
            deliver(group, new Packet(event, UNNUMBERED, SocketIoPackets.encodeEvent(event, args)));
        }
    }

    /** Browsers of the phone connected to this node (for tests and metrics). */
    public synchronized int localCount(String deviceId) {
        Group group = groups.get(deviceId);
        return group == null ? 0 : group.subscribers.size();
    }

    private Group subscribe(String deviceId) {
        Group group = new Group();
        group.consumer = vertx.eventBus().consumer(Addresses.web(deviceId), message -> {
            String seq = message.headers().get(SEQ_HEADER);
            deliver(group, new Packet(message.headers().get(EVENT_HEADER), seq == null ? UNNUMBERED : Long.parseLong(seq), message.body()));
        });
        return group;
    }

    private void deliver(Group group, Packet packet) {
        group.subscribers.forEach((socket, subscriber) -> socket.runOnContext(v -> {
            List<Packet> held = subscriber.held;
            if (held == null) {
                send(socket, packet);
            } else if (held.size() < MAX_HELD) {
                held.add(packet);
            } else {
                subscriber.held = null;
                held.forEach(p -> send(socket, p));
                send(socket, packet);
            }
        }));
    }

    private void send(SocketIoSocket socket, Packet packet) {
        if (socket.connected() && packet.event != null) {
            metrics.eventSent(packet.event);
        }
        socket.sendEncoded(packet.encoded);
    }

    /** An encoded event on its way to browsers; {@code seq} is its number in the phone's log, or {@value #UNNUMBERED}. */
    private record Packet(String event, long seq, String encoded) {
    }

    /** One browser of a group; {@code held} is touched only on its socket's context. */
    private static final class Subscriber {
        /** Live packets waiting while the browser is held; null when it is not. */
        List<Packet> held;
    }

    private static final class Group {
        final Map<SocketIoSocket, Subscriber> subscribers = new ConcurrentHashMap<>();
        MessageConsumer<String> consumer;
    }
}
