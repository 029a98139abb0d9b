package io.relay.routing;

import io.relay.gateway.socketio.DisconnectReason;
import io.relay.gateway.socketio.SocketIoPackets;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.relay.pairing.PairingService;
import io.relay.store.Store;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the relay does with each phone event. Data the phone sends is stored <em>before</em> it is
 * relayed and acknowledged: a browser that missed the live event finds it in storage.
 */
final class PhoneEvents {
    private static final Logger log = LoggerFactory.getLogger(PhoneEvents.class);
    static final int MAX_QR_DATA_CHARS = 4 * 1024;
    static final int MAX_STATUS_CHARS = 32;
    /**
     * Extension field on the events relayed to browsers: the event's number in the phone's gap-free
     * sequence, which a browser hands back in {@code web:request-sync {since}} to resume.
     */
    static final String SEQ = "seq";
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
        return admitted.compose(issued -> store.upsertDevice(deviceId, name, model)
                .compose(v -> routes.attach(deviceId, client.socket(), commands(client)))
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
                    client.runQueued(() -> outbox.flush(client));
                    fanout.publish(deviceId, Events.MOBILE_CONNECTED, new JsonObject().put("deviceId", deviceId));
                    log.info("phone registered node={} device={} socket={} transport={} secretIssued={}",
                            nodeId, deviceId, client.socket().id(), client.socket().transport(), issued != null);
                    return null;
                }));
    }

    /**
     * The phone's end of the browsers' commands. Everything runs in the phone socket's queue, and a command
     * sent straight here ({@code request:sync}) is emitted only after the outbox was flushed: a read mark
     * or send that a browser stored before it reaches the phone first, whatever the phone was busy with. A
     * send or read mark delivered in one hop is stored and emitted there too, behind any pending ones.
     */
    private PhoneRoutes.Commands commands(Client client) {
        return new PhoneRoutes.Commands() {
            @Override
            public void flush() {
                client.runQueued(() -> outbox.flush(client));
            }

            @Override
            public Future<Void> emit(String event, JsonObject payload) {
                return client.queued(() -> outbox.flush(client).map(v -> {
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
                return client.queued(() -> outbox.deliver(client, key, event, payload));
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
     * {@code mobile:messages}: store, then {@code messages:sync} to every browser, exactly as the phone sent
     * it. No {@code message:new}: the web app counts each one as one more unread message, and the phone's
     * own conversation list already says how many there are.
     */
    Future<Void> messages(String deviceId, JsonObject payload) {
        JsonArray messages = Payloads.documents(payload, "messages");
        String stored = encoded(payload);
        return store.saveMessagesAndLog(deviceId, messages, Events.MESSAGES_SYNC, stored)
                .map(seq -> {
                    publish(deviceId, Events.MESSAGES_SYNC, seq, payload, stored);
                    metrics.messagesRelayed("to_web", messages.size());
                    return null;
                });
    }

    /** {@code mobile:conversations}: store the list and log it in one commit, then {@code conversations:sync} to every browser. */
    Future<Void> conversations(String deviceId, JsonObject payload) {
        JsonArray conversations = Payloads.documents(payload, "conversations");
        String stored = encoded(payload);
        return store.saveConversationsAndLog(deviceId, conversations, Events.CONVERSATIONS_SYNC, stored)
                .map(seq -> {
                    publish(deviceId, Events.CONVERSATIONS_SYNC, seq, payload, stored);
                    return null;
                });
    }

    /** {@code message:sent} / {@code message:deleted}: ignored as by the original, except that a tempId settles its command. */
    Future<Void> sent(String deviceId, JsonObject payload) {
        if (payload == null || payload.getValue("tempId") == null) {
            return Future.succeededFuture();
        }
        return outbox.confirm(deviceId, Payloads.id(payload, "tempId"));
    }

    /**
     * {@code mobile:message-status}: in one commit, record it on the stored message, settle the command it
     * reports on and log it; then {@code message:status} to every browser.
     */
    Future<Void> status(String deviceId, JsonObject payload) {
        String messageId = Payloads.id(payload, "messageId");
        String status = Payloads.requiredString(payload, "status", MAX_STATUS_CHARS);
        // A status naming a browser's tempId (or using it as the message id) settles that command.
        String tempId = payload.getValue("tempId") == null ? messageId : Payloads.id(payload, "tempId");
        String stored = encoded(payload);
        return store.recordStatusAndLog(deviceId, messageId, status, tempId, Events.MESSAGE_STATUS, stored)
                .map(seq -> {
                    publish(deviceId, Events.MESSAGE_STATUS, seq, payload, stored);
                    return null;
                });
    }

    /**
     * The payload's one encoding: the log stores it, and the packet to the browsers is built around it. A
     * binary attachment has no place in either (no event of the contract carries one; operators may let
     * them in for other events), so it is refused before anything is stored.
     */
    private static String encoded(JsonObject payload) {
        if (SocketIoPackets.hasBinary(payload)) {
            throw new EventRejected("binary data is not accepted in this event");
        }
        return payload.encode();
    }

    /** To every browser of the phone: the payload as stored, with its number added as {@value #SEQ}. */
    private void publish(String deviceId, String event, long seq, JsonObject payload, String stored) {
        String packet = payload.containsKey(SEQ)
                ? SocketIoPackets.encodeEvent(event, payload.put(SEQ, seq)) // the phone's own field gives way, in its place
                : SocketIoPackets.encodeEventAdding(event, stored, SEQ, seq);
        fanout.publishLogged(deviceId, event, seq, packet);
    }

    /**
     * The phone's socket went (called after every event queued before): its route goes, if it still is
     * this socket's, and then its presence, and its browsers hear it.
     */
    Future<Void> disconnected(Client client, String deviceId, String reason) {
        SocketIoSocket socket = client.socket();
        return routes.detach(deviceId, socket).map(wasRoute -> {
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
