package io.relay.routing;

import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.store.Store;
import io.relay.vocabulary.Addresses;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The phone's say over its paired browsers: list them, revoke one or all. A revocation is stored
 * first (so {@code verify} and {@code web:authenticate} refuse the session from then on, on any
 * node), then published on {@link Addresses#sessionsRevoked()}; every node disconnects its own
 * sockets of those sessions at once, after telling them {@code error {message:"Session revoked"}}.
 *
 * <p>Node-wide and thread-safe: one instance per node, shared by the HTTP verticle instances.
 */
public final class SessionControl {
    private static final Logger log = LoggerFactory.getLogger(SessionControl.class);
    public static final String REVOKED = "Session revoked";

    private final Vertx vertx;
    private final Store store;
    private final String nodeId;
    /** The authenticated browser sockets on this node, by session id. */
    private final Map<String, Set<SocketIoSocket>> sockets = new ConcurrentHashMap<>();
    /**
     * Sessions revoked in the last {@link #RECENT_NANOS}, by id: a browser whose {@code web:authenticate}
     * was verified just before the revocation committed, but is tracked only after its event went by,
     * is caught here instead.
     */
    private final Map<String, Long> recentlyRevoked = new ConcurrentHashMap<>();
    private static final long RECENT_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
    private MessageConsumer<JsonObject> consumer;

    SessionControl(Vertx vertx, Store store, String nodeId) {
        this.vertx = vertx;
        this.store = store;
        this.nodeId = nodeId;
    }

    /** Listens for revocations from every node; part of the node's start-up. */
    Future<Void> start() {
        consumer = vertx.eventBus().consumer(Addresses.sessionsRevoked(), message -> disconnectLocal(message.body()));
        return consumer.completion();
    }

    /** The device's live sessions as the phone sees them: {@code [{sessionId, createdAt, lastSeen, expiresAt}]}. */
    public Future<JsonArray> list(String deviceId) {
        return store.listSessions(deviceId).map(all -> {
            JsonArray out = new JsonArray();
            all.forEach(s -> out.add(new JsonObject()
                    .put("sessionId", s.sessionId())
                    .put("createdAt", s.createdAt().toEpochMilli())
                    .put("lastSeen", s.lastSeen() == null ? null : s.lastSeen().toEpochMilli())
                    .put("expiresAt", s.expiresAt().toEpochMilli())));
            return out;
        });
    }

    /**
     * Revokes one session of the device, or all of them when {@code sessionId} is null, and disconnects
     * their browsers on every node. Completes with the ids revoked (empty: nothing matched).
     */
    public Future<List<String>> revoke(String deviceId, String sessionId) {
        return store.revokeSessions(deviceId, sessionId).map(revoked -> {
            if (!revoked.isEmpty()) {
                log.info("sessions revoked node={} device={} sessions={}", nodeId, deviceId, revoked);
                vertx.eventBus().publish(Addresses.sessionsRevoked(),
                        new JsonObject().put("deviceId", deviceId).put("sessionIds", new JsonArray(List.copyOf(revoked))));
            }
            return revoked;
        });
    }

    /** {@code mobile:list-sessions}: the phone's browsers, as {@code sessions:list {sessions}}. */
    Future<Void> listEvent(SocketIoSocket phone, String deviceId) {
        return list(deviceId).map(all -> {
            phone.emit(Events.SESSIONS_LIST, new JsonObject().put("sessions", all));
            return null;
        });
    }

    /** {@code mobile:revoke-session {sessionId} | {all:true}}: answered with {@code sessions:revoked {sessionIds}}. */
    Future<Void> revokeEvent(SocketIoSocket phone, String deviceId, JsonObject payload) {
        boolean all = Boolean.TRUE.equals(payload.getValue("all"));
        String one = all ? null : Payloads.requiredString(payload, "sessionId", Payloads.MAX_NAME_CHARS);
        return revoke(deviceId, one).map(revoked -> {
            if (!all && revoked.isEmpty()) {
                throw new EventRejected("Unknown session");
            }
            phone.emit(Events.SESSIONS_REVOKED, new JsonObject().put("sessionIds", new JsonArray(List.copyOf(revoked))));
            return null;
        });
    }

    /** Remembers an authenticated browser socket, so a revocation can find it. */
    void track(String sessionId, SocketIoSocket socket) {
        sockets.computeIfAbsent(sessionId, id -> ConcurrentHashMap.newKeySet()).add(socket);
        if (recentlyRevoked.containsKey(sessionId) && sockets.remove(sessionId) != null) {
            cutOff(socket);
        }
    }

    private static void cutOff(SocketIoSocket socket) {
        socket.runOnContext(v -> {
            socket.emit(Events.ERROR, new JsonObject().put("message", REVOKED));
            socket.disconnect();
        });
    }

    void untrack(String sessionId, SocketIoSocket socket) {
        sockets.computeIfPresent(sessionId, (id, set) -> {
            set.remove(socket);
            return set.isEmpty() ? null : set;
        });
    }

    private void disconnectLocal(JsonObject body) {
        JsonArray ids = body == null ? null : body.getJsonArray("sessionIds");
        if (ids == null) {
            return;
        }
        long now = System.nanoTime();
        recentlyRevoked.values().removeIf(at -> now - at > RECENT_NANOS);
        for (Object id : ids) {
            if (id instanceof String s) {
                recentlyRevoked.put(s, now);
            }
            Set<SocketIoSocket> local = id instanceof String s ? sockets.remove(s) : null;
            if (local == null) {
                continue;
            }
            for (SocketIoSocket socket : local) {
                cutOff(socket);
                log.info("revoked browser disconnected node={} device={} session={} socket={}",
                        nodeId, body.getString("deviceId"), id, socket.id());
            }
        }
    }
}
