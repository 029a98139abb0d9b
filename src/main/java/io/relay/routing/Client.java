package io.relay.routing;

import io.relay.config.RelayConfig;
import io.relay.gateway.socketio.ClientEvent;
import io.relay.gateway.socketio.LimitExceeded;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.pairing.PairingException;
import io.relay.pairing.SessionClaims;
import io.relay.ops.Metrics;
import io.relay.store.StoreException;
import io.relay.vocabulary.Events;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One app connected to this node over Socket.IO, as the relay sees it (a client): a phone once it registered, a browser once it
 * authenticated. Every connect starts fresh (the apps register/authenticate again after each one).
 *
 * <p>Events of one socket are handled strictly one after another, in the order they arrived, even
 * though each involves storage: a phone's messages are stored and relayed in the order it sent them,
 * and a scan sent right after a register sees the registration. All state here is touched only on
 * the socket's context.
 */
final class Client {
    private static final Logger log = LoggerFactory.getLogger(Client.class);

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

    private final SocketIoSocket socket;
    private final Vertx vertx;
    private final String nodeId;
    private final Metrics metrics;
    private final RelayConfig.Security security;
    private final EventRateLimit rateLimit;
    /** Takes what neither side does: identification, and the refusals of a side not joined. */
    private final UnidentifiedHandler unidentified;
    /** Told once, when the socket went. */
    private final Consumer<Client> ended;
    /** This socket's events, and the relay's own tasks that must keep their place among them. */
    private final TaskQueue events = new TaskQueue();
    /**
     * The phone's commands (what browsers send it, its outbox), queued apart from its own events: they keep
     * their order among themselves, and a command waiting for its write does not hold up the phone's events.
     */
    private final TaskQueue commands = new TaskQueue();
    private int queued;
    private long identifyTimer = -1;
    private long unpairedTimer = -1;
    // Set on the socket's context once the client registered (authenticated); read by metrics scrapes too.
    private volatile PhoneHandler phone;
    /** The numbers of this phone connection's events; on the socket's context only. */
    private PhoneSequence phoneSequence;
    /** The write behind the event being handled, if it has one: the event is acked once it is stored. */
    private Future<Void> writeBehind;
    private volatile BrowserHandler browser;

    Client(SocketIoSocket socket, Vertx vertx, String nodeId, Metrics metrics, RelayConfig.Security security, EventRateLimit rateLimit,
           UnidentifiedHandler unidentified, Consumer<Client> ended) {
        this.socket = socket;
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.metrics = metrics;
        this.security = security;
        this.rateLimit = rateLimit;
        this.unidentified = unidentified;
        this.ended = ended;
    }

    void start() {
        socket.eventHandler(this::enqueue);
        socket.disconnectHandler(this::disconnected);
        socket.limitHandler(this::overLimit);
        long timeout = security.identifyTimeout().toMillis();
        if (timeout > 0) {
            identifyTimer = vertx.setTimer(timeout, id -> runQueued(this::closeIfUnidentified));
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
        long seconds = security.identifyTimeout().toSeconds();
        String message = "Not identified within " + seconds + " s: send mobile:register or web:authenticate after connecting";
        metrics.error(FailureReason.IDENTIFY_TIMEOUT);
        log.info("socket closed unidentified node={} socket={} remote={} after={}s", nodeId, socket.id(), socket.remoteAddress(), seconds);
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
    private void watchPairing() {
        long timeout = security.unpairedPhoneTimeout().toMillis();
        if (timeout > 0 && unpairedTimer < 0) {
            unpairedTimer = vertx.setTimer(timeout, id -> runQueued(this::closeIfUnpaired));
        }
    }

    private Future<Void> closeIfUnpaired() {
        unpairedTimer = -1;
        PhoneHandler phone = this.phone;
        if (phone == null || !socket.connected()) {
            return Future.succeededFuture();
        }
        String deviceId = phone.deviceId();
        return phone.sessions().transform(ar -> {
            if (ar.failed()) {
                // Storage down: no verdict; look again later rather than cut a phone that may be paired.
                log.warn("pairing check failed node={} device={} socket={}: {}", nodeId, deviceId, socket.id(), ar.cause().getMessage());
                watchPairing();
            } else if (ar.result().isEmpty() && socket.connected()) {
                long seconds = security.unpairedPhoneTimeout().toSeconds();
                metrics.error(FailureReason.UNPAIRED_TIMEOUT);
                log.info("phone socket closed unpaired node={} device={} socket={} remote={} after={}s",
                        nodeId, deviceId, socket.id(), socket.remoteAddress(), seconds);
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
        metrics.error(limit.reason());
        log.warn("connection over a limit node={} socket={} device={} remote={} code={}: {}", nodeId, socket.id(),
                deviceForLogs(), socket.remoteAddress(), limit.reason().code(), limit.message());
        socket.emit(Events.ERROR, ClientErrors.describe(new JsonObject().put("message", limit.message()), limit.reason()));
    }

    SocketIoSocket socket() {
        return socket;
    }

    /** The phone this client registered as, or null. */
    String phoneDeviceId() {
        PhoneHandler phone = this.phone;
        return phone == null ? null : phone.deviceId();
    }

    /** The session this client authenticated with as a browser, or null. */
    SessionClaims webSession() {
        BrowserHandler browser = this.browser;
        return browser == null ? null : browser.session();
    }

    /**
     * {@code mobile:register} succeeded: the phone's events go to a handler for that phone from now on (a
     * register as another phone replaces it), and the client must get paired in time.
     */
    void registeredAsPhone(String deviceId, boolean confirmsCommands) {
        phone = unidentified.phone(deviceId, confirmsCommands);
        watchPairing();
    }

    /** {@code web:authenticate} succeeded: the browser's events go to a handler for that session from now on. */
    void authenticatedAsBrowser(SessionClaims session) {
        browser = unidentified.browser(session);
    }

    /** {@value #PHONE} once registered, {@value #WEB} once authenticated, else {@value #ANONYMOUS}. */
    String kind() {
        return phone != null ? PHONE : browser != null ? WEB : ANONYMOUS;
    }

    /** Runs a task of the relay's own after every event already queued on this socket, in order with them. */
    void runQueued(Supplier<Future<Void>> task) {
        queued(task).onFailure(error ->
                log.warn("queued task failed node={} socket={} device={}", nodeId, socket.id(), deviceForLogs(), error));
    }

    /** As {@link #runQueued}, answering the task's outcome; a failure does not hold up what is queued behind it. */
    <T> Future<T> queued(Supplier<Future<T>> task) {
        return events.add(task);
    }

    /** The sequence this phone connection numbers its events from; null before it registered. */
    PhoneSequence phoneSequence() {
        return phoneSequence;
    }

    void numberedBy(PhoneSequence sequence) {
        phoneSequence = sequence;
    }

    /**
     * The event being handled was relayed and its write goes on behind: the next event is taken now, and this
     * one is acked (or refused) once {@code stored} completes.
     */
    void writtenBehind(Future<Void> stored) {
        writeBehind = stored;
    }

    /** Runs a step of handing the phone its commands after every step queued before (see {@link #commands}). */
    void runQueuedCommand(Supplier<Future<Void>> task) {
        queuedCommand(task).onFailure(error ->
                log.warn("queued command failed node={} socket={} device={}", nodeId, socket.id(), deviceForLogs(), error));
    }

    /** As {@link #runQueuedCommand}, answering the task's outcome; a failure does not hold up what is queued behind it. */
    <T> Future<T> queuedCommand(Supplier<Future<T>> task) {
        return commands.add(task);
    }

    /** True when the phone said in its register that it confirms each command it is handed. */
    boolean phoneConfirmsCommands() {
        PhoneHandler phone = this.phone;
        return phone != null && phone.confirmsCommands();
    }

    private void enqueue(ClientEvent event) {
        String metricName = CLIENT_EVENTS.contains(event.name()) ? event.name() : "unknown";
        metrics.eventReceived(metricName);
        if (!rateLimit.admit(event, socket, nodeId, deviceForLogs())) {
            metrics.error(FailureReason.RATE_LIMITED);
            return;
        }
        if (queued >= MAX_QUEUED_EVENTS) {
            answer(event, new EventRejected(FailureReason.FLOOD, "Too many events in flight; slow down"));
            return;
        }
        queued++;
        long arrived = System.nanoTime();
        events.add(() -> {
            writeBehind = null;
            return handle(event).transform(outcome -> {
                if (outcome.succeeded() && RELAYED_EVENTS.contains(metricName)) {
                    metrics.relayLatency(metricName, System.nanoTime() - arrived);
                }
                Future<Void> stored = outcome.succeeded() ? writeBehind : null;
                writeBehind = null;
                if (stored == null) {
                    queued--;
                    answer(event, outcome.failed() ? outcome.cause() : null);
                } else {
                    // Still counted as queued until stored: a database that falls behind slows the phone
                    // down (its events are refused as a flood past the bound) instead of piling writes up.
                    stored.onComplete(ar -> {
                        queued--;
                        answer(event, ar.failed() ? ar.cause() : null);
                    });
                }
                return Future.<Void>succeededFuture();
            });
        });
    }

    private Future<Void> handle(ClientEvent event) {
        try {
            return dispatch(event);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    /** To the handler of the side the event belongs to, once the client joined that side; else to the unidentified one. */
    private Future<Void> dispatch(ClientEvent event) {
        PhoneHandler phone = this.phone;
        BrowserHandler browser = this.browser;
        if (phone != null && PhoneHandler.EVENTS.contains(event.name())) {
            return phone.handle(this, event);
        }
        if (browser != null && BrowserHandler.EVENTS.contains(event.name())) {
            return browser.handle(this, event);
        }
        return unidentified.handle(this, event);
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
        metrics.error(reason);
        String message = clientMessage(failure);
        log.info("event refused node={} socket={} device={} event={} reason={}",
                nodeId, socket.id(), deviceForLogs(), shortened(event.name()), message);
        socket.emit(Events.ERROR, ClientErrors.describe(new JsonObject().put("message", message), reason));
        event.ackIfWanted(ClientErrors.describe(new JsonObject().put("success", false).put("error", message), reason));
    }

    private String clientMessage(Throwable failure) {
        if (failure instanceof EventRejected || failure instanceof PairingException) {
            return failure.getMessage();
        }
        if (failure instanceof StoreException store && store.reason() == FailureReason.INVALID_DATA) {
            // Storage refused what validation let through: a gap in validation to close, not the client's to read.
            log.warn("event refused by storage node={} socket={} device={}: {}", nodeId, socket.id(), deviceForLogs(), store.getMessage());
            return "Invalid data";
        }
        if (failure instanceof StoreException store && store.reason() == FailureReason.SUPERSEDED) {
            return "This connection was replaced by a newer one of the same phone; send it again there";
        }
        if (failure instanceof StoreException) {
            // The store logged the cause; a stack trace per refused event would flood the
            // log for as long as a database outage lasts.
            return "Storage unavailable, try again";
        }
        log.warn("event failed node={} socket={} device={}", nodeId, socket.id(), deviceForLogs(), failure);
        return "Internal error";
    }

    /** Runs after every event already queued, so a route set up by an in-flight register is torn down too. */
    private void disconnected(String reason) {
        if (identifyTimer >= 0) {
            vertx.cancelTimer(identifyTimer);
            identifyTimer = -1;
        }
        if (unpairedTimer >= 0) {
            vertx.cancelTimer(unpairedTimer);
            unpairedTimer = -1;
        }
        events.add(() -> {
            metrics.connectionClosed(kind(), reason);
            ended.accept(this);
            PhoneHandler phone = this.phone;
            BrowserHandler browser = this.browser;
            if (browser != null) {
                browser.disconnected(this, reason);
            }
            if (phone == null) {
                if (browser == null) {
                    log.info("socket disconnected node={} socket={} reason={}", nodeId, socket.id(), reason);
                }
                return Future.succeededFuture();
            }
            return phone.disconnected(this, reason);
        });
    }

    private String deviceForLogs() {
        String phoneDevice = phoneDeviceId();
        SessionClaims session = webSession();
        return phoneDevice != null ? phoneDevice : session != null ? session.deviceId() : "-";
    }

    /** An event name as it may appear in a refusal or a log line: control characters replaced, cut at a length. */
    static String shortened(String name) {
        String printable = name.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= MAX_EVENT_NAME_IN_ERRORS ? printable : printable.substring(0, MAX_EVENT_NAME_IN_ERRORS) + "...";
    }
}
