package io.relay.relay;

import io.relay.gateway.socketio.ClientEvent;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.pairing.PairingException;
import io.relay.pairing.SessionClaims;
import io.relay.store.StoreException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Socket.IO connection seen by the relay: a phone once it registered, a browser once it
 * authenticated. Every connect starts fresh (the apps register/authenticate again after each one).
 *
 * <p>Events of one socket are handled strictly one after another, in the order they arrived, even
 * though each involves storage: a phone's messages are stored and relayed in the order it sent them,
 * and a scan sent right after a register sees the registration. All state here is touched only on
 * the socket's context.
 */
final class SocketSession {
    private static final Logger log = LoggerFactory.getLogger(SocketSession.class);

    /** Events a client may have waiting behind the one being handled; a flood beyond this is refused. */
    static final int MAX_QUEUED_EVENTS = 256;
    private static final int MAX_EVENT_NAME_IN_ERRORS = 64;

    private final Relay relay;
    private final SocketIoSocket socket;
    private final EventRateLimit rateLimit;
    private Future<Void> tail = Future.succeededFuture();
    private int queued;
    private String phoneDeviceId;
    private SessionClaims webSession;

    SocketSession(Relay relay, SocketIoSocket socket) {
        this.relay = relay;
        this.socket = socket;
        this.rateLimit = new EventRateLimit(relay.security, relay.rateLimitedEvents);
    }

    void start() {
        socket.eventHandler(this::enqueue);
        socket.disconnectHandler(this::disconnected);
    }

    SocketIoSocket socket() {
        return socket;
    }

    String nodeId() {
        return relay.nodeId;
    }

    String phoneDeviceId() {
        return phoneDeviceId;
    }

    void phoneDeviceId(String deviceId) {
        this.phoneDeviceId = deviceId;
    }

    SessionClaims webSession() {
        return webSession;
    }

    void webSession(SessionClaims claims) {
        this.webSession = claims;
    }

    /** The phone this socket registered as, or a rejection telling the client to register first. */
    String requirePhone() {
        if (phoneDeviceId == null) {
            throw new EventRejected("Device not registered: send mobile:register first");
        }
        return phoneDeviceId;
    }

    /** The session this browser authenticated with, or a rejection telling it to authenticate first. */
    SessionClaims requireWeb() {
        if (webSession == null) {
            throw new EventRejected("Not authenticated: send web:authenticate first");
        }
        return webSession;
    }

    private void enqueue(ClientEvent event) {
        if (!rateLimit.admit(event, socket, relay.nodeId, deviceForLogs())) {
            return;
        }
        if (queued >= MAX_QUEUED_EVENTS) {
            answer(event, new EventRejected("Too many events in flight; slow down"));
            return;
        }
        queued++;
        tail = tail.transform(previous -> handle(event).transform(outcome -> {
            queued--;
            answer(event, outcome.failed() ? outcome.cause() : null);
            return Future.<Void>succeededFuture();
        }));
    }

    private Future<Void> handle(ClientEvent event) {
        try {
            return dispatch(event);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private Future<Void> dispatch(ClientEvent event) {
        JsonObject payload = event.payload();
        return switch (event.name()) {
            case Events.MOBILE_REGISTER -> relay.phoneEvents.register(this, Payloads.object(payload, event.name()));
            case Events.MOBILE_SCAN_QR -> relay.phoneEvents.scanQr(this, Payloads.object(payload, event.name()));
            case Events.MOBILE_MESSAGES -> relay.phoneEvents.messages(this, Payloads.object(payload, event.name()));
            case Events.MOBILE_CONVERSATIONS -> relay.phoneEvents.conversations(this, Payloads.object(payload, event.name()));
            case Events.MOBILE_MESSAGE_STATUS -> relay.phoneEvents.status(this, Payloads.object(payload, event.name()));
            case Events.MESSAGE_SENT, Events.MESSAGE_DELETED -> Future.succeededFuture();
            case Events.MOBILE_LIST_SESSIONS -> relay.sessionControl.listEvent(this);
            case Events.MOBILE_REVOKE_SESSION -> relay.sessionControl.revokeEvent(this, Payloads.object(payload, event.name()));
            case Events.WEB_AUTHENTICATE -> relay.webEvents.authenticate(this, Payloads.object(payload, event.name()));
            case Events.WEB_SEND_MESSAGE -> relay.webEvents.sendMessage(this, Payloads.object(payload, event.name()));
            case Events.WEB_MARK_READ -> relay.webEvents.markRead(this, Payloads.object(payload, event.name()));
            case Events.WEB_REQUEST_SYNC -> relay.webEvents.requestSync(this);
            default -> Future.failedFuture(new EventRejected("Unknown event: " + shortened(event.name())));
        };
    }

    /** Acks the event if asked; a failure also goes to the client as {@code error {message}}, as the apps expect. */
    private void answer(ClientEvent event, Throwable failure) {
        if (failure == null) {
            event.ackIfWanted(new JsonObject().put("success", true));
            return;
        }
        String message = clientMessage(failure);
        log.info("event refused node={} socket={} device={} event={} reason={}",
                relay.nodeId, socket.id(), deviceForLogs(), shortened(event.name()), message);
        socket.emit(Events.ERROR, new JsonObject().put("message", message));
        event.ackIfWanted(new JsonObject().put("success", false).put("error", message));
    }

    private String clientMessage(Throwable failure) {
        if (failure instanceof EventRejected || failure instanceof PairingException) {
            return failure.getMessage();
        }
        if (failure instanceof StoreException store && store.code() == FailureCodes.BAD_REQUEST) {
            return "Invalid data: " + store.getMessage();
        }
        log.warn("event failed node={} socket={} device={}", relay.nodeId, socket.id(), deviceForLogs(), failure);
        return failure instanceof StoreException ? "Storage unavailable, try again" : "Internal error";
    }

    /** Runs after every event already queued, so a route set up by an in-flight register is torn down too. */
    private void disconnected(String reason) {
        tail = tail.transform(previous -> {
            if (phoneDeviceId != null && relay.phones.detach(phoneDeviceId, socket)) {
                relay.presence.offline(phoneDeviceId);
                relay.webs.publish(phoneDeviceId, Events.MOBILE_DISCONNECTED);
                log.info("phone disconnected node={} device={} socket={} reason={}", relay.nodeId, phoneDeviceId, socket.id(), reason);
            }
            if (webSession != null) {
                relay.webs.leave(webSession.deviceId(), socket);
                relay.sessionControl.untrack(webSession.sessionId(), socket);
                log.info("web disconnected node={} device={} session={} socket={} reason={}",
                        relay.nodeId, webSession.deviceId(), webSession.sessionId(), socket.id(), reason);
            }
            if (phoneDeviceId == null && webSession == null) {
                log.info("socket disconnected node={} socket={} reason={}", relay.nodeId, socket.id(), reason);
            }
            return Future.succeededFuture();
        });
    }

    private String deviceForLogs() {
        return phoneDeviceId != null ? phoneDeviceId : webSession != null ? webSession.deviceId() : "-";
    }

    private static String shortened(String name) {
        String printable = name.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= MAX_EVENT_NAME_IN_ERRORS ? printable : printable.substring(0, MAX_EVENT_NAME_IN_ERRORS) + "...";
    }
}
