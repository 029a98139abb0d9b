package io.relay.relay;

import io.relay.pairing.PairingService;
import io.relay.pairing.SessionClaims;
import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the relay does with each browser event. Commands go to the phone wherever it is connected. */
final class WebEvents {
    private static final Logger log = LoggerFactory.getLogger(WebEvents.class);
    static final int MAX_PHONE_NUMBER_CHARS = 64;
    /** Long SMS are split by the phone; this only keeps one command within reason. */
    static final int MAX_MESSAGE_CHARS = 64 * 1024;
    /** How many of the latest messages a sync from storage sends (the phone's own sync sends what a chat shows). */
    static final int SYNC_MESSAGES = 500;

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
                .map(claims -> {
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
                    log.info("web authenticated node={} device={} session={} socket={} transport={}", relay.nodeId,
                            claims.deviceId(), claims.sessionId(), session.socket().id(), session.socket().transport());
                    return null;
                });
    }

    /** {@code web:send-message} → {@code send:message} on the phone, payload as the browser sent it. */
    Future<Void> sendMessage(SocketSession session, JsonObject payload) {
        SessionClaims web = session.requireWeb();
        Payloads.requiredString(payload, "phoneNumber", MAX_PHONE_NUMBER_CHARS);
        Payloads.requiredString(payload, "message", MAX_MESSAGE_CHARS);
        return relay.phones.command(web.deviceId(), Events.SEND_MESSAGE, payload);
    }

    /** {@code web:mark-read} → {@code mark:read} on the phone. */
    Future<Void> markRead(SocketSession session, JsonObject payload) {
        SessionClaims web = session.requireWeb();
        Payloads.id(payload, "conversationId");
        return relay.phones.command(web.deviceId(), Events.MARK_READ, payload);
    }

    /**
     * {@code web:request-sync}: ask the phone, which answers with {@code mobile:conversations}. When it
     * is offline, answer this browser from storage instead, so it always shows the last known state.
     */
    Future<Void> requestSync(SocketSession session) {
        SessionClaims web = session.requireWeb();
        return relay.phones.command(web.deviceId(), Events.REQUEST_SYNC, null)
                .recover(failure -> failure instanceof EventRejected && PhoneSessions.NOT_CONNECTED.equals(failure.getMessage())
                        ? syncFromStorage(session, web.deviceId())
                        : Future.failedFuture(failure));
    }

    private Future<Void> syncFromStorage(SocketSession session, String deviceId) {
        Future<JsonArray> conversations = store.loadConversations(deviceId);
        Future<JsonArray> messages = store.loadMessages(deviceId, SYNC_MESSAGES);
        return Future.all(conversations, messages).map(all -> {
            session.socket().emit(Events.CONVERSATIONS_SYNC, new JsonObject().put("conversations", conversations.result()));
            session.socket().emit(Events.MESSAGES_SYNC, new JsonObject().put("messages", messages.result()));
            log.info("web synced from storage node={} device={} conversations={} messages={}", relay.nodeId, deviceId,
                    conversations.result().size(), messages.result().size());
            return null;
        });
    }
}
