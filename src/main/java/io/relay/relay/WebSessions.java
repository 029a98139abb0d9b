package io.relay.relay;

import io.relay.gateway.socketio.SocketIoPackets;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;

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
    /** Header carrying a numbered event's seq, so each node can keep its browsers in order without parsing. */
    static final String SEQ_HEADER = "seq";
    /** Header of an unnumbered event that belongs to a numbered one ({@code message:new}): that one's seq. */
    static final String FOLLOWS_HEADER = "follows";

    private final Vertx vertx;
    private final Metrics metrics;
    /** Changed under this object's lock; read without it (the catch-up delivers while holding its own locks). */
    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final WebCatchUp catchUp;

    /** Without a log to catch up from: live events are handed over as they come (for tests of one part). */
    public WebSessions(Vertx vertx) {
        this(vertx, Metrics.standalone(), null, "-");
    }

    public WebSessions(Vertx vertx, Metrics metrics, WebCatchUp.Log eventLog, String nodeId) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.catchUp = eventLog == null ? null : new WebCatchUp(vertx, nodeId, eventLog, this::deliverPacket);
    }

    /**
     * Publishes an event to every browser of the phone, on every node. A payload that carries a
     * {@code seq} (a numbered event) has it copied into a header, by which every node keeps its browsers in order.
     */
    public void publish(String deviceId, String event, Object... args) {
        DeliveryOptions options = new DeliveryOptions().addHeader(EVENT_HEADER, event);
        if (args.length > 0 && args[0] instanceof io.vertx.core.json.JsonObject payload && payload.getValue(SEQ_HEADER) instanceof Number seq) {
            options.addHeader(SEQ_HEADER, Long.toString(seq.longValue()));
        }
        vertx.eventBus().publish(Addresses.web(deviceId), SocketIoPackets.encodeEvent(event, args), options);
    }

    /** Publishes an unnumbered event that belongs to the numbered event {@code seq} (sent just before it). */
    public void publishFollowing(String deviceId, long seq, String event, Object... args) {
        vertx.eventBus().publish(Addresses.web(deviceId), SocketIoPackets.encodeEvent(event, args),
                new DeliveryOptions().addHeader(EVENT_HEADER, event).addHeader(FOLLOWS_HEADER, Long.toString(seq)));
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
                group = subscribe(deviceId);
                groups.put(deviceId, group);
            }
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
            if (catchUp != null) {
                catchUp.closed(deviceId);
            }
            drop.unregister();
        }
    }

    /** Phones with at least one browser on this node. */
    public java.util.List<String> localDevices() {
        return java.util.List.copyOf(groups.keySet());
    }

    /** Sends an event to this node's browsers of the phone only (for news that every node learns by itself). */
    public void deliverLocally(String deviceId, String event, Object... args) {
        Group group = groups.get(deviceId);
        if (group == null) {
            return;
        }
        String packet = SocketIoPackets.encodeEvent(event, args);
        if (catchUp == null) {
            deliver(group, event, packet);
        } else {
            catchUp.received(deviceId, event, null, null, packet); // in its place behind events being caught up
        }
    }

    /** Browsers of the phone connected to this node (for tests and metrics). */
    public int localCount(String deviceId) {
        Group group = groups.get(deviceId);
        return group == null ? 0 : group.sockets.size();
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

    private Group subscribe(String deviceId) {
        Group group = new Group();
        group.consumer = consumer(deviceId);
        return group;
    }

    /** The phone's consumer here: hands each event to the catch-up (or straight to the browsers), whatever group holds them now. */
    private MessageConsumer<String> consumer(String deviceId) {
        return vertx.eventBus().consumer(Addresses.web(deviceId), message -> {
            String event = message.headers().get(EVENT_HEADER);
            if (catchUp == null) {
                deliverPacket(deviceId, event, message.body());
            } else {
                catchUp.received(deviceId, event, number(message.headers().get(SEQ_HEADER)),
                        number(message.headers().get(FOLLOWS_HEADER)), message.body());
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

    /** To this node's current browsers of the phone (whatever group holds them now). */
    private void deliverPacket(String deviceId, String event, String packet) {
        Group group = groups.get(deviceId);
        if (group != null) {
            deliver(group, event, packet);
        }
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
        volatile MessageConsumer<String> consumer;
    }
}
