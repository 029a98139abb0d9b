package io.relay.routing;

import io.relay.gateway.socketio.DisconnectReason;
import io.relay.gateway.socketio.SocketIoPackets;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.relay.pairing.PairingService;
import io.relay.store.Store;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * What the relay does with each phone event. Data the phone sends is numbered here and relayed at once; its
 * write follows behind (batched with other writes), and the phone's ack waits for it: what was acknowledged
 * is stored, and a browser that missed the live event finds it in storage. The phone re-sends what was not
 * acknowledged; browsers know each message by its id.
 */
final class PhoneEvents {
    private static final Logger log = LoggerFactory.getLogger(PhoneEvents.class);
    static final int MAX_QR_DATA_CHARS = 4 * 1024;
    static final int MAX_STATUS_CHARS = 32;
    /**
     * Extension field on the events relayed to browsers: the event's number in the phone's increasing
     * sequence, which a browser hands back in {@code web:request-sync {since}} to resume.
     */
    static final String SEQ = "seq";
    /**
     * Extension field next to {@value #SEQ}: the number of the phone's event before this one. Numbers are
     * never reused but may be skipped (reserved by a node that died, or by the phone's previous connection),
     * so a browser that applies events in order takes an event whose {@value #PREV_SEQ} it has seen as next.
     */
    static final String PREV_SEQ = "prevSeq";
    /** Field of a logged event as the store reads it back: the number of the event logged before it. */
    static final String PREV = "prev";
    private static final JsonObject SUCCESS = new JsonObject().put("success", true);

    private final String nodeId;
    private final Store store;
    private final PairingService pairing;
    private final PhoneCredentials credentials;
    private final PhoneRoutes routes;
    private final WebFanout fanout;
    private final Presence presence;
    private final Outbox outbox;
    private final Metrics metrics;

    PhoneEvents(String nodeId, Store store, PairingService pairing, PhoneCredentials credentials, PhoneRoutes routes,
                WebFanout fanout, Presence presence, Outbox outbox, Metrics metrics) {
        this.nodeId = nodeId;
        this.store = store;
        this.pairing = pairing;
        this.credentials = credentials;
        this.routes = routes;
        this.fanout = fanout;
        this.presence = presence;
        this.outbox = outbox;
        this.metrics = metrics;
    }

    /**
     * {@code mobile:register}: admit the phone (its device secret, or the first claim of a fresh
     * deviceId, see {@link PhoneCredentials}), record the device, route its commands to this socket,
     * then say so; a newly issued secret rides along in {@code authenticated}.
     */
    Future<Void> register(Client client, JsonObject payload) {
        String deviceId = Payloads.deviceId(payload, "deviceId");
        String name = Payloads.optionalString(payload, "deviceName", Payloads.MAX_NAME_CHARS, "Unknown device");
        String model = Payloads.optionalString(payload, "deviceModel", Payloads.MAX_NAME_CHARS, "Unknown model");
        String previous = client.phoneDeviceId();
        Future<String> admitted = deviceId.equals(previous)
                ? Future.succeededFuture() // this socket already proved it is that phone
                : credentials.admit(deviceId, client.socket(), payload);
        PhoneSequence kept = deviceId.equals(previous) ? client.phoneSequence() : null;
        return admitted.compose(issued -> (kept != null
                        ? store.upsertDevice(deviceId, name, model).map(v -> kept)
                        : PhoneSequence.takeOver(store, nodeId, deviceId, name, model))
                .compose(sequence -> routes.attach(deviceId, client.socket(), commands(client))
                        .map(v -> sequence))
                .compose(sequence -> {
                    PhoneSequence replaced = client.phoneSequence();
                    client.numberedBy(sequence);
                    return replaced == null || replaced == sequence ? Future.succeededFuture() : replaced.close(nodeId);
                })
                .compose(v -> presence.online(deviceId))
                .compose(v -> previous == null || previous.equals(deviceId)
                        ? Future.succeededFuture(false)
                        : routes.detach(previous, client.socket()))
                .map(leftPrevious -> {
                    if (leftPrevious) {
                        presence.offline(previous);
                        fanout.publish(previous, Events.MOBILE_DISCONNECTED);
                    }
                    client.registeredAsPhone(deviceId, Boolean.TRUE.equals(payload.getValue("confirmsCommands")));
                    JsonObject answer = SUCCESS.copy();
                    if (issued != null) {
                        answer.put(PhoneCredentials.FIELD, issued);
                    }
                    client.socket().emit(Events.AUTHENTICATED, answer);
                    // What browsers sent while the phone was away: after this register, in order.
                    client.runQueuedCommand(() -> outbox.flush(client));
                    fanout.publish(deviceId, Events.MOBILE_CONNECTED, new JsonObject().put("deviceId", deviceId));
                    log.info("phone registered node={} device={} socket={} transport={} secretIssued={}",
                            nodeId, deviceId, client.socket().id(), client.socket().transport(), issued != null);
                    return null;
                }));
    }

    /**
     * The phone's end of the browsers' commands. Everything runs in the phone socket's command queue (apart from
     * its own events, which a command waiting for its write must not hold up), and a command
     * sent straight here ({@code request:sync}) is emitted only after the outbox was flushed: a read mark
     * or send that a browser stored before it reaches the phone first, whatever the phone was busy with. A
     * send or read mark delivered in one hop is stored and emitted there too, behind any pending ones.
     */
    private PhoneRoutes.Commands commands(Client client) {
        return new PhoneRoutes.Commands() {
            @Override
            public void flush() {
                client.runQueuedCommand(() -> outbox.flush(client));
            }

            @Override
            public Future<Void> emit(String event, JsonObject payload) {
                return client.queuedCommand(() -> outbox.flush(client).map(v -> {
                    if (payload == null) {
                        client.socket().emit(event);
                    } else {
                        client.socket().emit(event, payload);
                    }
                    return null;
                }));
            }

            @Override
            public Future<Void> deliver(String key, String event, JsonObject payload) {
                return client.queuedCommand(() -> outbox.deliver(client, key, event, payload));
            }

            @Override
            public Future<Long> settled() {
                // Not queued: an event still waiting in the phone's queue was not relayed either, so browsers
                // will get it live; only those relayed already must be stored first.
                Promise<Long> settled = Promise.promise();
                client.socket().runOnContext(v -> {
                    PhoneSequence sequence = client.phoneSequence();
                    (sequence == null ? Future.succeededFuture(-1L) : sequence.settled()).onComplete(settled);
                });
                return settled.future();
            }
        };
    }

    /**
     * {@code mobile:scan-qr}: redeem the scanned QR for this phone. The pairing service wakes the
     * browser's long-poll wherever it waits; the phone hears {@code qr:paired}. Only a socket registered
     * as the phone may scan for it: the real app always registers first, and a session planted for a
     * deviceId by anyone else would receive every message that phone sends.
     */
    Future<Void> scanQr(Client client, String registered, JsonObject payload) {
        String qrData = Payloads.requiredString(payload, "qrData", MAX_QR_DATA_CHARS);
        String claimed = Payloads.optionalString(payload, "deviceId", Payloads.MAX_DEVICE_ID_CHARS, registered);
        if (!claimed.equals(registered)) {
            throw new EventRejected("deviceId does not match the registered device");
        }
        return pairing.scan(qrData, registered).map(paired -> {
            client.socket().emit(Events.QR_PAIRED, SUCCESS.copy());
            log.info("phone paired node={} device={} session={}", nodeId, registered, paired.sessionId());
            return null;
        });
    }

    /**
     * {@code mobile:messages}: numbered, then {@code messages:sync} to every browser, exactly as the phone sent
     * it, with the write behind. No {@code message:new}: the web app counts each one as one more unread
     * message, and the phone's own conversation list already says how many there are.
     */
    Future<Void> messages(Client client, String deviceId, JsonObject payload, String text) {
        JsonArray messages = Payloads.documents(payload, "messages");
        String stored = stored(payload, text);
        return relayed(client, deviceId, Events.MESSAGES_SYNC, payload, stored,
                entry -> store.saveMessagesAndLog(deviceId, messages, entry, stored))
                .onSuccess(v -> metrics.messagesRelayed("to_web", messages.size()));
    }

    /** {@code mobile:conversations}: numbered, {@code conversations:sync} to every browser, the list and its log entry stored behind. */
    Future<Void> conversations(Client client, String deviceId, JsonObject payload, String text) {
        JsonArray conversations = Payloads.documents(payload, "conversations");
        String stored = stored(payload, text);
        return relayed(client, deviceId, Events.CONVERSATIONS_SYNC, payload, stored,
                entry -> store.saveConversationsAndLog(deviceId, conversations, entry, stored));
    }

    /** {@code message:sent} / {@code message:deleted}: ignored as by the original, except that a tempId settles its command. */
    Future<Void> sent(String deviceId, JsonObject payload) {
        if (payload == null || payload.getValue("tempId") == null) {
            return Future.succeededFuture();
        }
        return outbox.confirm(deviceId, Payloads.id(payload, "tempId"));
    }

    /**
     * {@code mobile:message-status}: numbered, {@code message:status} to every browser; behind it, in one commit,
     * recorded on the stored message, settling the command it reports on, and logged.
     */
    Future<Void> status(Client client, String deviceId, JsonObject payload, String text) {
        String messageId = Payloads.id(payload, "messageId");
        String status = Payloads.requiredString(payload, "status", MAX_STATUS_CHARS);
        // A status naming a browser's tempId (or using it as the message id) settles that command.
        String tempId = payload.getValue("tempId") == null ? messageId : Payloads.id(payload, "tempId");
        String stored = stored(payload, text);
        return relayed(client, deviceId, Events.MESSAGE_STATUS, payload, stored,
                entry -> store.recordStatusAndLog(deviceId, messageId, status, tempId, entry, stored));
    }

    /**
     * Numbers the event, hands its write to storage and, unless storage refused it on the spot (then the
     * number is taken back: nothing was relayed), publishes it to the browsers. Completes once published;
     * the client acks the phone once the write is stored.
     */
    private Future<Void> relayed(Client client, String deviceId, String event, JsonObject payload, String stored,
                                 Function<Store.LogEntry, Future<Void>> write) {
        PhoneSequence sequence = client.phoneSequence();
        return sequence.next(event).compose(entry -> {
            Future<Void> written = write.apply(entry);
            if (written.failed()) {
                sequence.unwind(entry);
                return written;
            }
            publish(deviceId, entry, payload, stored);
            client.writtenBehind(sequence.track(written));
            return Future.succeededFuture();
        });
    }

    /** A logged event's payload as browsers get it live: with its {@value #SEQ} and {@value #PREV_SEQ}. */
    static JsonObject numbered(JsonObject logged) {
        return logged.getJsonObject("payload").put(SEQ, logged.getLong(SEQ)).put(PREV_SEQ, logged.getLong(PREV));
    }

    /**
     * The payload's one text: the log stores it, the packet to the browsers is built around it, and the rows
     * of its documents are cut out of it. It is the phone's own text ({@code text}) when the frame had it, so
     * browsers get exactly what the phone wrote and nothing is encoded again; else the payload encoded once.
     * A binary attachment has no place in any of them (no event of the contract carries one; operators may
     * let them in for other events), so it is refused before anything is stored; a payload that has its text
     * came in a text packet, which carries none.
     */
    private static String stored(JsonObject payload, String text) {
        if (text != null) {
            return text;
        }
        if (SocketIoPackets.hasBinary(payload)) {
            throw new EventRejected("binary data is not accepted in this event");
        }
        return payload.encode();
    }

    /** To every browser of the phone: the payload as stored, with its number added as {@value #SEQ} and the one before as {@value #PREV_SEQ}. */
    private void publish(String deviceId, Store.LogEntry entry, JsonObject payload, String stored) {
        String event = entry.event();
        long seq = entry.seq();
        String packet = payload.containsKey(SEQ) || payload.containsKey(PREV_SEQ)
                // the phone's own fields give way, in their place
                ? SocketIoPackets.encodeEvent(event, payload.copy().put(SEQ, seq).put(PREV_SEQ, entry.prev()))
                : SocketIoPackets.encodeEventAdding(event, stored, SEQ, seq, PREV_SEQ, entry.prev());
        fanout.publishLogged(deviceId, event, seq, entry.prev(), packet);
    }

    /**
     * The phone's socket went (called after every event queued before): its route goes, if it still is
     * this socket's, and then its presence, and its browsers hear it.
     */
    Future<Void> disconnected(Client client, String deviceId, String reason) {
        SocketIoSocket socket = client.socket();
        PhoneSequence sequence = client.phoneSequence();
        // The route stays until the writes behind this phone's last events are settled: a browser resuming
        // meanwhile asks this node (over the route) and waits for them, instead of reading a log still short of them.
        Future<Void> settled = sequence == null ? Future.succeededFuture() : sequence.close(nodeId);
        return settled.compose(v -> routes.detach(deviceId, socket)).map(wasRoute -> {
            if (wasRoute) {
                // A node shutting down may close before this publication gets out. It leaves the phone in the
                // presence map instead, so every survivor tells its browsers when this node leaves the cluster.
                if (!DisconnectReason.SERVER_SHUTTING_DOWN.equals(reason)) {
                    presence.offline(deviceId);
                }
                fanout.publish(deviceId, Events.MOBILE_DISCONNECTED);
                log.info("phone disconnected node={} device={} socket={} reason={}", nodeId, deviceId, socket.id(), reason);
            }
            return null;
        });
    }
}
