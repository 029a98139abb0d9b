package io.relay.relay;

import io.relay.pairing.PairingService;
import io.relay.pairing.SessionClaims;
import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/** What the relay does with each browser event. Commands go to the phone wherever it is connected. */
final class WebEvents {
    private static final Logger log = LoggerFactory.getLogger(WebEvents.class);
    static final int MAX_PHONE_NUMBER_CHARS = 64;
    /** Long SMS are split by the phone; this only keeps one command within reason. */
    static final int MAX_MESSAGE_CHARS = 64 * 1024;
    /** How many of the latest messages a sync from storage sends (the phone's own sync sends what a chat shows). */
    static final int SYNC_MESSAGES = 500;
    /** The most events one resume replays; a browser further behind gets a full sync. */
    static final int REPLAY_LIMIT = 1_000;

    private final Relay relay;
    private final Store store;
    private final PairingService pairing;

    WebEvents(Relay relay, Store store, PairingService pairing) {
        this.relay = relay;
        this.store = store;
        this.pairing = pairing;
    }

    /**
     * {@code web:authenticate}: check the session (signature and stored row), subscribe this socket to
     * its phone's events, and only then say {@code authenticated}, so nothing published after it is missed.
     */
    Future<Void> authenticate(SocketSession session, JsonObject payload) {
        String token = Payloads.requiredString(payload, "sessionToken", Payloads.MAX_TOKEN_CHARS);
        return pairing.verifySession(token)
                .compose(claims -> relay.webs.join(claims.deviceId(), session.socket()).map(claims))
                .compose(claims -> relay.presence.isOnline(claims.deviceId()).otherwise(false)
                        .map(online -> new Authenticated(claims, online)))
                .map(authenticated -> {
                    SessionClaims claims = authenticated.claims();
                    SessionClaims previous = session.webSession();
                    if (previous != null && !previous.deviceId().equals(claims.deviceId())) {
                        relay.webs.leave(previous.deviceId(), session.socket());
                    }
                    if (previous != null) {
                        relay.sessionControl.untrack(previous.sessionId(), session.socket());
                    }
                    relay.sessionControl.track(claims.sessionId(), session.socket());
                    session.webSession(claims);
                    session.socket().emit(Events.AUTHENTICATED,
                            new JsonObject().put("success", true).put("deviceId", claims.deviceId()));
                    // Where the phone stands, so a browser need not wait for a change to know it.
                    if (authenticated.phoneOnline()) {
                        session.socket().emit(Events.MOBILE_CONNECTED, new JsonObject().put("deviceId", claims.deviceId()));
                    } else {
                        session.socket().emit(Events.MOBILE_DISCONNECTED);
                    }
                    log.info("web authenticated node={} device={} session={} socket={} transport={}", relay.nodeId,
                            claims.deviceId(), claims.sessionId(), session.socket().id(), session.socket().transport());
                    return null;
                });
    }

    private record Authenticated(SessionClaims claims, boolean phoneOnline) {
    }

    /** {@code web:send-message} → {@code send:message} on the phone, payload as the browser sent it. */
    Future<Void> sendMessage(SocketSession session, JsonObject payload) {
        SessionClaims web = session.requireWeb();
        Payloads.requiredString(payload, "phoneNumber", MAX_PHONE_NUMBER_CHARS);
        Payloads.requiredString(payload, "message", MAX_MESSAGE_CHARS);
        // The tempId makes a retried send idempotent; without one, each send is its own.
        String key = payload.getValue("tempId") == null ? UUID.randomUUID().toString() : Payloads.id(payload, "tempId");
        return relay.outbox.submit(web.deviceId(), key, Events.SEND_MESSAGE, payload);
    }

    /** {@code web:mark-read} → {@code mark:read} on the phone. */
    Future<Void> markRead(SocketSession session, JsonObject payload) {
        SessionClaims web = session.requireWeb();
        Payloads.id(payload, "conversationId");
        return relay.outbox.submit(web.deviceId(), "mark-read:" + UUID.randomUUID(), Events.MARK_READ, payload);
    }

    /**
     * {@code web:request-sync}. With {@code {since: seq}} (the extension), replays what the phone's
     * browsers were sent after that number, in order, and ends with {@code sync:complete {seq}}; a
     * browser too far behind for the log (or ahead of it) gets {@code sync:reset {seq}} and a full sync
     * from storage. Without it, as the original: ask the phone, which answers with
     * {@code mobile:conversations}; when it is offline, answer this browser from storage.
     */
    Future<Void> requestSync(SocketSession session, JsonObject payload) {
        SessionClaims web = session.requireWeb();
        Object since = payload == null ? null : payload.getValue("since");
        if (since != null) {
            if (!(since instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
                throw new EventRejected("Invalid field: since (expected a sequence number, a whole number >= 0)");
            }
            return resume(session, web.deviceId(), n.longValue());
        }
        return relay.phones.command(web.deviceId(), Events.REQUEST_SYNC, null)
                // Offline, or a stale route that led nowhere: storage has what the phone last sent.
                .recover(failure -> failure instanceof EventRejected
                        && (PhoneSessions.NOT_CONNECTED.equals(failure.getMessage()) || PhoneSessions.NO_ANSWER.equals(failure.getMessage()))
                        ? syncFromStorage(session, web.deviceId()).mapEmpty()
                        : Future.failedFuture(failure));
    }

    private Future<Void> resume(SocketSession session, String deviceId, long since) {
        return store.lastSeq(deviceId).compose(last -> {
            if (since > last || last - since > REPLAY_LIMIT) {
                return reset(session, deviceId, since, last);
            }
            if (since == last) {
                session.socket().emit(Events.SYNC_COMPLETE, new JsonObject().put(PhoneEvents.SEQ, last));
                return Future.succeededFuture();
            }
            return store.eventsSince(deviceId, since, (int) (last - since)).compose(events -> {
                // The log keeps a window: if its oldest kept event is past what the browser saw, it is too late.
                if (events.isEmpty() || events.getJsonObject(0).getLong(PhoneEvents.SEQ) != since + 1) {
                    return reset(session, deviceId, since, last);
                }
                long seq = since;
                for (int i = 0; i < events.size(); i++) {
                    JsonObject event = events.getJsonObject(i);
                    seq = event.getLong(PhoneEvents.SEQ);
                    session.socket().emit(event.getString("event"), event.getJsonObject("payload").put(PhoneEvents.SEQ, seq));
                }
                session.socket().emit(Events.SYNC_COMPLETE, new JsonObject().put(PhoneEvents.SEQ, seq));
                log.info("web resumed node={} device={} since={} replayed={}", relay.nodeId, deviceId, since, events.size());
                return Future.succeededFuture();
            });
        });
    }

    private Future<Void> reset(SocketSession session, String deviceId, long since, long last) {
        session.socket().emit(Events.SYNC_RESET, new JsonObject().put(PhoneEvents.SEQ, last)
                .put("reason", since > last ? "unknown sequence" : "too far behind"));
        log.info("web resume refused node={} device={} since={} last={}: full sync", relay.nodeId, deviceId, since, last);
        return syncFromStorage(session, deviceId).map(seq -> {
            session.socket().emit(Events.SYNC_COMPLETE, new JsonObject().put(PhoneEvents.SEQ, seq));
            return null;
        });
    }

    /** Sends this browser what storage has, stamped with the sequence number it is current to. */
    private Future<Long> syncFromStorage(SocketSession session, String deviceId) {
        // Read the sequence first: anything newer is also relayed live, at worst twice (the app de-duplicates).
        return store.lastSeq(deviceId).compose(seq -> {
            Future<JsonArray> conversations = store.loadConversations(deviceId);
            Future<JsonArray> messages = store.loadMessages(deviceId, SYNC_MESSAGES);
            return Future.all(conversations, messages).map(all -> {
                session.socket().emit(Events.CONVERSATIONS_SYNC, new JsonObject().put("conversations", conversations.result()).put(PhoneEvents.SEQ, seq));
                session.socket().emit(Events.MESSAGES_SYNC, new JsonObject().put("messages", messages.result()).put(PhoneEvents.SEQ, seq));
                log.info("web synced from storage node={} device={} conversations={} messages={}", relay.nodeId, deviceId,
                        conversations.result().size(), messages.result().size());
                return seq;
            });
        });
    }
}
