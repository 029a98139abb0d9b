package io.relay.relay;

import io.relay.gateway.socketio.ClientEvent;
import io.relay.gateway.socketio.DisconnectReason;
import io.relay.gateway.socketio.LimitExceeded;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.pairing.PairingException;
import io.relay.pairing.SessionClaims;
import io.relay.store.StoreException;
import io.relay.vocabulary.Events;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.function.Supplier;

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

    /** Values of the {@code kind} label of the connection metrics. */
    static final String PHONE = "phone", WEB = "web", ANONYMOUS = "anonymous";
    /** Client events the metrics name as themselves; anything else is counted as {@code unknown}. */
    private static final Set<String> CLIENT_EVENTS = Set.of(Events.MOBILE_REGISTER, Events.MOBILE_SCAN_QR, Events.MOBILE_MESSAGES,
            Events.MOBILE_CONVERSATIONS, Events.MOBILE_MESSAGE_STATUS, Events.MESSAGE_SENT, Events.MESSAGE_DELETED,
            Events.WEB_AUTHENTICATE, Events.WEB_SEND_MESSAGE, Events.WEB_MARK_READ, Events.WEB_REQUEST_SYNC);
    /** The events that carry something to the other side; their handling time is the relay latency. */
    private static final Set<String> RELAYED_EVENTS = Set.of(Events.MOBILE_MESSAGES, Events.MOBILE_CONVERSATIONS,
            Events.MOBILE_MESSAGE_STATUS, Events.WEB_SEND_MESSAGE, Events.WEB_MARK_READ, Events.WEB_REQUEST_SYNC);

    private final Relay relay;
    private final SocketIoSocket socket;
    private final EventRateLimit rateLimit;
    private Future<Void> tail = Future.succeededFuture();
    private int queued;
    private long identifyTimer = -1;
    private long unpairedTimer = -1;
    // Written on the socket's context, read by metrics scrapes too.
    private volatile String phoneDeviceId;
    private boolean phoneConfirmsCommands;
    private volatile SessionClaims webSession;

    SocketSession(Relay relay, SocketIoSocket socket) {
        this.relay = relay;
        this.socket = socket;
        this.rateLimit = new EventRateLimit(relay.security, relay.rateLimitedEvents);
    }

    void start() {
        socket.eventHandler(this::enqueue);
        socket.disconnectHandler(this::disconnected);
        socket.limitHandler(this::overLimit);
        long timeout = relay.security.identifyTimeout().toMillis();
        if (timeout > 0) {
            identifyTimer = relay.vertx.setTimer(timeout, id -> runQueued(this::closeIfUnidentified));
        }
    }

    /**
     * Both apps register or authenticate right after every connect, so a socket still anonymous after
     * the identify timeout only holds memory and a connection slot. Judged after any register still in
     * flight. The transport is closed rather than the socket disconnected: the official client then
     * reconnects by itself, so a real app whose register failed (say, storage briefly down) gets a
     * fresh connect and registers again, while an idle stranger just loses its slot.
     */
    private Future<Void> closeIfUnidentified() {
        identifyTimer = -1;
        if (!ANONYMOUS.equals(kind()) || !socket.connected()) {
            return Future.succeededFuture();
        }
        long seconds = relay.security.identifyTimeout().toSeconds();
        String message = "Not identified within " + seconds + " s: send mobile:register or web:authenticate after connecting";
        relay.metrics.error(FailureReason.IDENTIFY_TIMEOUT);
        log.info("socket closed unidentified node={} socket={} remote={} after={}s", relay.nodeId, socket.id(), socket.remoteAddress(), seconds);
        socket.emit(Events.ERROR, ClientErrors.describe(new JsonObject().put("message", message), FailureReason.IDENTIFY_TIMEOUT));
        socket.closeTransport();
        return Future.succeededFuture();
    }

    /**
     * After a phone registered on this socket: the identify timeout no longer applies, but a phone that no
     * browser is paired with is still a stranger's socket as far as the relay can tell (any made-up
     * deviceId registers). If, after {@code UNPAIRED_PHONE_TIMEOUT_SECONDS}, its device has no live session
     * (it neither had one nor scanned a QR since), its transport is closed as for the identify timeout.
     * The real app reconnects and registers again by itself, so a phone whose user has not scanned yet
     * only reconnects; the timeout is long next to a QR's life so that a scan rarely meets the reconnect.
     */
    void watchPairing() {
        long timeout = relay.security.unpairedPhoneTimeout().toMillis();
        if (timeout > 0 && unpairedTimer < 0) {
            unpairedTimer = relay.vertx.setTimer(timeout, id -> runQueued(this::closeIfUnpaired));
        }
    }

    private Future<Void> closeIfUnpaired() {
        unpairedTimer = -1;
        String deviceId = phoneDeviceId;
        if (deviceId == null || !socket.connected()) {
            return Future.succeededFuture();
        }
        return relay.sessionControl.list(deviceId).transform(ar -> {
            if (ar.failed()) {
                // Storage down: no verdict; look again later rather than cut a phone that may be paired.
                log.warn("pairing check failed node={} device={} socket={}: {}", relay.nodeId, deviceId, socket.id(), ar.cause().getMessage());
                watchPairing();
            } else if (ar.result().isEmpty() && socket.connected()) {
                long seconds = relay.security.unpairedPhoneTimeout().toSeconds();
                relay.metrics.error(FailureReason.UNPAIRED_TIMEOUT);
                log.info("phone socket closed unpaired node={} device={} socket={} remote={} after={}s",
                        relay.nodeId, deviceId, socket.id(), socket.remoteAddress(), seconds);
                String message = "No browser paired within " + seconds + " s of register: reconnect and register again to scan a QR";
                socket.emit(Events.ERROR, ClientErrors.describe(new JsonObject().put("message", message), FailureReason.UNPAIRED_TIMEOUT));
                socket.closeTransport();
            }
            return Future.<Void>succeededFuture();
        });
    }

    /**
     * The client went past a bound of its connection (a binary packet where the contract has none, say): it
     * is told why, with the code, before the gateway closes the connection. Not retryable as sent.
     */
    private void overLimit(LimitExceeded limit) {
        relay.metrics.error(limit.reason());
        log.warn("connection over a limit node={} socket={} device={} remote={} code={}: {}", relay.nodeId, socket.id(),
                deviceForLogs(), socket.remoteAddress(), limit.reason().code(), limit.message());
        socket.emit(Events.ERROR, ClientErrors.describe(new JsonObject().put("message", limit.message()), limit.reason()));
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

    /** {@value #PHONE} once registered, {@value #WEB} once authenticated, else {@value #ANONYMOUS}. */
    String kind() {
        return phoneDeviceId != null ? PHONE : webSession != null ? WEB : ANONYMOUS;
    }

    /** Runs a task of the relay's own after every event already queued on this socket, in order with them. */
    void runQueued(Supplier<Future<Void>> task) {
        queued(task).onFailure(error ->
                log.warn("queued task failed node={} socket={} device={}", relay.nodeId, socket.id(), deviceForLogs(), error));
    }

    /** As {@link #runQueued}, answering the task's outcome; a failure does not hold up what is queued behind it. */
    <T> Future<T> queued(Supplier<Future<T>> task) {
        Promise<T> outcome = Promise.promise();
        tail = tail.transform(previous -> {
            Future<T> result;
            try {
                result = task.get();
            } catch (RuntimeException e) {
                result = Future.failedFuture(e);
            }
            result.onComplete(outcome);
            return result.<Void>mapEmpty().otherwiseEmpty();
        });
        return outcome.future();
    }

    boolean phoneConfirmsCommands() {
        return phoneConfirmsCommands;
    }

    void phoneConfirmsCommands(boolean confirms) {
        this.phoneConfirmsCommands = confirms;
    }

    /** The phone this socket registered as, or a rejection telling the client to register first. */
    String requirePhone() {
        if (phoneDeviceId == null) {
            throw new EventRejected(FailureReason.NOT_REGISTERED, "Device not registered: send mobile:register first");
        }
        return phoneDeviceId;
    }

    /** The session this browser authenticated with, or a rejection telling it to authenticate first. */
    SessionClaims requireWeb() {
        if (webSession == null) {
            throw new EventRejected(FailureReason.NOT_AUTHENTICATED, "Not authenticated: send web:authenticate first");
        }
        return webSession;
    }

    private void enqueue(ClientEvent event) {
        String metricName = CLIENT_EVENTS.contains(event.name()) ? event.name() : "unknown";
        relay.metrics.eventReceived(metricName);
        if (!rateLimit.admit(event, socket, relay.nodeId, deviceForLogs())) {
            relay.metrics.error(FailureReason.RATE_LIMITED);
            return;
        }
        if (queued >= MAX_QUEUED_EVENTS) {
            answer(event, new EventRejected(FailureReason.FLOOD, "Too many events in flight; slow down"));
            return;
        }
        queued++;
        long arrived = System.nanoTime();
        tail = tail.transform(previous -> handle(event).transform(outcome -> {
            queued--;
            if (outcome.succeeded() && RELAYED_EVENTS.contains(metricName)) {
                relay.metrics.relayLatency(metricName, System.nanoTime() - arrived);
            }
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
            case Events.MESSAGE_SENT -> relay.phoneEvents.sent(this, payload);
            case Events.MESSAGE_DELETED -> Future.succeededFuture();
            case Events.MOBILE_LIST_SESSIONS -> relay.sessionControl.listEvent(this);
            case Events.MOBILE_REVOKE_SESSION -> relay.sessionControl.revokeEvent(this, Payloads.object(payload, event.name()));
            case Events.WEB_AUTHENTICATE -> relay.webEvents.authenticate(this, Payloads.object(payload, event.name()));
            case Events.WEB_SEND_MESSAGE -> relay.webEvents.sendMessage(this, Payloads.object(payload, event.name()));
            case Events.WEB_MARK_READ -> relay.webEvents.markRead(this, Payloads.object(payload, event.name()));
            case Events.WEB_REQUEST_SYNC -> relay.webEvents.requestSync(this, payload);
            default -> Future.failedFuture(new EventRejected(FailureReason.UNKNOWN_EVENT, "Unknown event: " + shortened(event.name())));
        };
    }

    /**
     * Acks the event if asked; a failure also goes to the client as {@code error {message}}, as the apps
     * expect, both with {@code code} and {@code retryable} so a client can tell "send it again" from "don't".
     */
    private void answer(ClientEvent event, Throwable failure) {
        if (failure == null) {
            event.ackIfWanted(new JsonObject().put("success", true));
            return;
        }
        FailureReason reason = ClientErrors.reasonOf(failure);
        relay.metrics.error(reason);
        String message = clientMessage(failure);
        log.info("event refused node={} socket={} device={} event={} reason={}",
                relay.nodeId, socket.id(), deviceForLogs(), shortened(event.name()), message);
        socket.emit(Events.ERROR, ClientErrors.describe(new JsonObject().put("message", message), reason));
        event.ackIfWanted(ClientErrors.describe(new JsonObject().put("success", false).put("error", message), reason));
    }

    private String clientMessage(Throwable failure) {
        if (failure instanceof EventRejected || failure instanceof PairingException) {
            return failure.getMessage();
        }
        if (failure instanceof StoreException store && store.reason() == FailureReason.INVALID_DATA) {
            // Storage refused what validation let through: a gap in validation to close, not the client's to read.
            log.warn("event refused by storage node={} socket={} device={}: {}", relay.nodeId, socket.id(), deviceForLogs(), store.getMessage());
            return "Invalid data";
        }
        if (failure instanceof StoreException) {
            // The store logged the cause; a stack trace per refused event would flood the
            // log for as long as a database outage lasts.
            return "Storage unavailable, try again";
        }
        log.warn("event failed node={} socket={} device={}", relay.nodeId, socket.id(), deviceForLogs(), failure);
        return "Internal error";
    }

    /** Runs after every event already queued, so a route set up by an in-flight register is torn down too. */
    private void disconnected(String reason) {
        if (identifyTimer >= 0) {
            relay.vertx.cancelTimer(identifyTimer);
            identifyTimer = -1;
        }
        if (unpairedTimer >= 0) {
            relay.vertx.cancelTimer(unpairedTimer);
            unpairedTimer = -1;
        }
        tail = tail.transform(previous -> {
            relay.metrics.connectionClosed(kind(), reason);
            relay.ended(this);
            if (webSession != null) {
                relay.webs.leave(webSession.deviceId(), socket);
                relay.sessionControl.untrack(webSession.sessionId(), socket);
                log.info("web disconnected node={} device={} session={} socket={} reason={}",
                        relay.nodeId, webSession.deviceId(), webSession.sessionId(), socket.id(), reason);
            }
            if (phoneDeviceId == null) {
                if (webSession == null) {
                    log.info("socket disconnected node={} socket={} reason={}", relay.nodeId, socket.id(), reason);
                }
                return Future.succeededFuture();
            }
            String deviceId = phoneDeviceId;
            return relay.phones.detach(deviceId, socket).map(wasRoute -> {
                if (wasRoute) {
                    // A node shutting down may close before this publication gets out. It leaves the phone in the
                    // presence map instead, so every survivor tells its browsers when this node leaves the cluster.
                    if (!DisconnectReason.SERVER_SHUTTING_DOWN.equals(reason)) {
                        relay.presence.offline(deviceId);
                    }
                    relay.webs.publish(deviceId, Events.MOBILE_DISCONNECTED);
                    log.info("phone disconnected node={} device={} socket={} reason={}", relay.nodeId, deviceId, socket.id(), reason);
                }
                return null;
            });
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
