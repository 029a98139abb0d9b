package io.relay.relay;

import io.relay.gateway.socketio.SocketIoPackets;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The browsers connected to this node, grouped by the phone they are paired with. A node holds
 * <em>one</em> consumer on {@link Addresses#web} per phone with at least one local browser and fans
 * each event out to its local sockets; phone events are published there already encoded, so a fan-out
 * to many browsers encodes the message body once, on the phone's node.
 *
 * <p>Node-wide and thread-safe: HTTP verticle instances on different event loops share it.
 */
public final class WebSessions {

    /** Header naming the event of a published packet, so the fan-out can count it without parsing. */
    static final String EVENT_HEADER = "event";

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

    /**
     * Adds the socket to the phone's browsers; the Future completes once this node's consumer is
     * registered (cluster-wide), so nothing published after that is missed.
     */
    public Future<Void> join(String deviceId, SocketIoSocket socket) {
        Group group;
        synchronized (this) {
            group = groups.computeIfAbsent(deviceId, this::subscribe);
            group.sockets.add(socket);
        }
        return group.consumer.completion();
    }

    /** Removes the socket; the last browser of a phone on this node takes the consumer with it. */
    public void leave(String deviceId, SocketIoSocket socket) {
        MessageConsumer<String> drop = null;
        synchronized (this) {
            Group group = groups.get(deviceId);
            if (group != null && group.sockets.remove(socket) && group.sockets.isEmpty()) {
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
            deliver(group, event, SocketIoPackets.encodeEvent(event, args));
        }
    }

    /** Browsers of the phone connected to this node (for tests and metrics). */
    public synchronized int localCount(String deviceId) {
        Group group = groups.get(deviceId);
        return group == null ? 0 : group.sockets.size();
    }

    private Group subscribe(String deviceId) {
        Group group = new Group();
        group.consumer = vertx.eventBus().consumer(Addresses.web(deviceId), message -> deliver(group, message.headers().get(EVENT_HEADER), message.body()));
        return group;
    }

    private void deliver(Group group, String event, String packet) {
        for (SocketIoSocket socket : group.sockets) {
            socket.runOnContext(v -> {
                if (socket.connected() && event != null) {
                    metrics.eventSent(event);
                }
                socket.sendEncoded(packet);
            });
        }
    }

    private static final class Group {
        final Set<SocketIoSocket> sockets = ConcurrentHashMap.newKeySet();
        MessageConsumer<String> consumer;
    }
}
