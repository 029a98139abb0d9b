package io.relay.routing;

import io.relay.config.RelayConfig;
import io.relay.pairing.PairingService;
import io.relay.pairing.SessionClaims;
import io.relay.store.Store;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/** What the relay does with each browser event. Commands go to the phone wherever it is connected. */
final class WebEvents {
    private static final Logger log = LoggerFactory.getLogger(WebEvents.class);
    static final int MAX_PHONE_NUMBER_CHARS = 64;
    /** Long SMS are split by the phone; this only keeps one command within reason. */
    static final int MAX_MESSAGE_CHARS = 64 * 1024;
    /** The most events one resume replays; a browser further behind gets a full sync. */
    static final int REPLAY_LIMIT = 1_000;

    private final String nodeId;
    private final Store store;
    private final PairingService pairing;
    private final RelayConfig.Sync sync;
    private final PhoneRoutes routes;
    private final WebFanout fanout;
    private final Presence presence;
    private final SessionControl sessionControl;
    private final Outbox outbox;

    WebEvents(String nodeId, Store store, PairingService pairing, RelayConfig.Sync sync, PhoneRoutes routes, WebFanout fanout,
              Presence presence, SessionControl sessionControl, Outbox outbox) {
        this.nodeId = nodeId;
        this.store = store;
        this.pairing = pairing;
        this.sync = sync;
        this.routes = routes;
        this.fanout = fanout;
        this.presence = presence;
        this.sessionControl = sessionControl;
        this.outbox = outbox;
    }

    /**
     * {@code web:authenticate}: check the session (signature and stored row), subscribe this socket to
     * its phone's events, and only then say {@code authenticated}, so nothing published after it is missed.
     */
    Future<Void> authenticate(Client client, JsonObject payload) {
        String token = Payloads.requiredString(payload, "sessionToken", Payloads.MAX_TOKEN_CHARS);
        return pairing.verifySession(token)
                .compose(claims -> fanout.join(claims.deviceId(), client.socket()).map(claims))
                .compose(claims -> presence.isOnline(claims.deviceId()).otherwise(false)
                        .map(online -> new Authenticated(claims, online)))
                .map(authenticated -> {
                    SessionClaims claims = authenticated.claims();
                    SessionClaims previous = client.webSession();
                    if (previous != null && !previous.deviceId().equals(claims.deviceId())) {
                        fanout.leave(previous.deviceId(), client.socket());
                    }
                    if (previous != null) {
                        sessionControl.untrack(previous.sessionId(), client.socket());
                    }
                    sessionControl.track(claims.sessionId(), client.socket());
                    client.authenticatedAsBrowser(claims);
                    client.socket().emit(Events.AUTHENTICATED,
                            new JsonObject().put("success", true).put("deviceId", claims.deviceId()));
                    // Where the phone stands, so a browser need not wait for a change to know it.
                    if (authenticated.phoneOnline()) {
                        client.socket().emit(Events.MOBILE_CONNECTED, new JsonObject().put("deviceId", claims.deviceId()));
                    } else {
                        client.socket().emit(Events.MOBILE_DISCONNECTED);
                    }
                    log.info("web authenticated node={} device={} session={} socket={} transport={}", nodeId,
                            claims.deviceId(), claims.sessionId(), client.socket().id(), client.socket().transport());
                    return null;
                });
    }

    private record Authenticated(SessionClaims claims, boolean phoneOnline) {
    }

    /** {@code web:send-message} → {@code send:message} on the phone, payload as the browser sent it. */
    Future<Void> sendMessage(String deviceId, JsonObject payload) {
        Payloads.requiredString(payload, "phoneNumber", MAX_PHONE_NUMBER_CHARS);
        Payloads.requiredString(payload, "message", MAX_MESSAGE_CHARS);
        // The tempId makes a retried send idempotent; without one, each send is its own.
        String key = payload.getValue("tempId") == null ? UUID.randomUUID().toString() : Payloads.id(payload, "tempId");
        return outbox.submit(deviceId, key, Events.SEND_MESSAGE, payload);
    }

    /** {@code web:mark-read} → {@code mark:read} on the phone. */
    Future<Void> markRead(String deviceId, JsonObject payload) {
        Payloads.id(payload, "conversationId");
        return outbox.submit(deviceId, "mark-read:" + UUID.randomUUID(), Events.MARK_READ, payload);
    }

    /**
     * {@code web:request-sync}. With {@code {since: seq}} (the extension), replays what the phone's
     * browsers were sent after that number, in order, and ends with {@code sync:complete {seq}}; a
     * browser too far behind for the log (or ahead of it) gets {@code sync:reset {seq}} and a full sync
     * from storage. Without it, as the original app sends it: this browser gets its stored threads (the
     * phone answers {@code request:sync} with its conversation list only, so a reloaded page would show
     * empty threads otherwise), then the phone is asked, wherever it is, for its fresh list.
     */
    Future<Void> requestSync(Client client, String deviceId, JsonObject payload) {
        Object since = payload == null ? null : payload.getValue("since");
        if (since != null) {
            if (!(since instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
                throw new EventRejected("Invalid field: since (expected a sequence number, a whole number >= 0)");
            }
            return held(client, deviceId, () -> resume(client, deviceId, n.longValue())).mapEmpty();
        }
        return held(client, deviceId, () -> syncFromStorage(client, deviceId)).map(seq -> {
            // Not awaited: the browser has its answer, and an offline phone is told nothing. The phone's node
            // emits it after the outbox, so it does not overtake this browser's earlier read marks and sends.
            routes.command(deviceId, Events.REQUEST_SYNC, null).onFailure(e -> log.debug(
                    "request:sync not delivered node={} device={}: {}", nodeId, deviceId, e.getMessage()));
            return null;
        });
    }

    /**
     * Runs an answer from storage or the log with this browser's live events held, then lets through those
     * it did not cover: a snapshot sent after a newer live event would replace that event's thread.
     */
    private Future<Long> held(Client client, String deviceId, java.util.function.Supplier<Future<Long>> answer) {
        fanout.hold(deviceId, client.socket());
        // Events are relayed before they are stored: what reached the phone's browsers before this one was held
        // must be in storage before it is read, or it would reach this browser neither live nor from storage.
        Future<Long> answered = routes.settled(deviceId).compose(v -> {
            try {
                return answer.get();
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        });
        return answered.onComplete(done -> fanout.release(deviceId, client.socket(), done.succeeded() ? done.result() : -1));
    }

    private Future<Long> resume(Client client, String deviceId, long since) {
        return store.lastSeq(deviceId).compose(last -> {
            if (since > last) {
                return reset(client, deviceId, since, last);
            }
            if (since == last) {
                client.socket().emit(Events.SYNC_COMPLETE, new JsonObject().put(PhoneEvents.SEQ, last));
                return Future.succeededFuture(last);
            }
            // Counted in events, not numbers: numbers may be skipped.
            return store.eventsSince(deviceId, since, REPLAY_LIMIT + 1).compose(events -> {
                // The log keeps a window: if the event before its oldest kept one is past what the browser saw, it
                // is too late (numbers skipped between are fine: no event ever had them).
                if (events.isEmpty() || events.size() > REPLAY_LIMIT || events.getJsonObject(0).getLong(PhoneEvents.PREV) > since) {
                    return reset(client, deviceId, since, last);
                }
                long seq = events.getJsonObject(events.size() - 1).getLong(PhoneEvents.SEQ);
                // Paced: a replay can be far larger than the connection's outbound bound (it may be what a
                // browser missed when it was closed for that very bound), so each event waits for room.
                Future<Void> replayed = Future.succeededFuture();
                for (int i = 0; i < events.size(); i++) {
                    JsonObject event = events.getJsonObject(i);
                    replayed = replayed.compose(v -> client.socket().writable()).onSuccess(v -> client.socket().emit(
                            event.getString("event"), PhoneEvents.numbered(event)));
                }
                return replayed.map(v -> {
                    client.socket().emit(Events.SYNC_COMPLETE, new JsonObject().put(PhoneEvents.SEQ, seq));
                    log.info("web resumed node={} device={} since={} replayed={}", nodeId, deviceId, since, events.size());
                    return seq;
                });
            });
        });
    }

    private Future<Long> reset(Client client, String deviceId, long since, long last) {
        client.socket().emit(Events.SYNC_RESET, new JsonObject().put(PhoneEvents.SEQ, last)
                .put("reason", since > last ? "unknown sequence" : "too far behind"));
        log.info("web resume refused node={} device={} since={} last={}: full sync", nodeId, deviceId, since, last);
        return syncFromStorage(client, deviceId).map(seq -> {
            client.socket().emit(Events.SYNC_COMPLETE, new JsonObject().put(PhoneEvents.SEQ, seq));
            return seq;
        });
    }

    /** Sends this browser what storage has, each event stamped with the sequence number it is current to. */
    private Future<Long> syncFromStorage(Client client, String deviceId) {
        return StoredSync.read(store, deviceId, sync).compose(stored -> {
            // Paced like a replay: a phone's stored threads may outgrow the connection's outbound bound.
            Future<Void> sent = Future.succeededFuture();
            List<Runnable> emits = new java.util.ArrayList<>();
            stored.forEachEvent((event, payload) -> emits.add(() -> client.socket().emit(event, payload)));
            for (Runnable emit : emits) {
                sent = sent.compose(v -> client.socket().writable()).onSuccess(v -> emit.run());
            }
            return sent.map(v -> stored);
        }).map(stored -> {
            log.info("web synced from storage node={} device={} conversations={} threads={} messages={}", nodeId, deviceId,
                    stored.conversations().size(), stored.threads().size(), stored.messages());
            return stored.seq();
        });
    }

    /** The browser's socket went: it leaves its phone's fan-out group and its session's sockets. */
    void disconnected(Client client, SessionClaims session, String reason) {
        fanout.leave(session.deviceId(), client.socket());
        sessionControl.untrack(session.sessionId(), client.socket());
        log.info("web disconnected node={} device={} session={} socket={} reason={}",
                nodeId, session.deviceId(), session.sessionId(), client.socket().id(), reason);
    }
}
