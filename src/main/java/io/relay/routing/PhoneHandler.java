package io.relay.routing;

import io.relay.vocabulary.Events;
import io.relay.gateway.socketio.ClientEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;

import java.util.Set;

/** The events of a client registered as a phone: what it sends for its browsers, and its sessions. */
final class PhoneHandler implements ClientHandler {
    /** The events this handler takes; anything else goes to the {@link UnidentifiedHandler}. */
    static final Set<String> EVENTS = Set.of(Events.MOBILE_SCAN_QR, Events.MOBILE_MESSAGES, Events.MOBILE_CONVERSATIONS,
            Events.MOBILE_MESSAGE_STATUS, Events.MESSAGE_SENT, Events.MESSAGE_DELETED, Events.MOBILE_LIST_SESSIONS,
            Events.MOBILE_REVOKE_SESSION);

    private final String deviceId;
    private final boolean confirmsCommands;
    private final PhoneEvents phoneEvents;
    private final SessionControl sessionControl;

    PhoneHandler(String deviceId, boolean confirmsCommands, PhoneEvents phoneEvents, SessionControl sessionControl) {
        this.deviceId = deviceId;
        this.confirmsCommands = confirmsCommands;
        this.phoneEvents = phoneEvents;
        this.sessionControl = sessionControl;
    }

    @Override
    public Future<Void> handle(Client client, ClientEvent event) {
        String name = event.name();
        return switch (name) {
            case Events.MOBILE_SCAN_QR -> phoneEvents.scanQr(client, deviceId, Payloads.object(event.payload(), name));
            case Events.MOBILE_MESSAGES -> phoneEvents.messages(client, deviceId, Payloads.object(event.payload(), name, event.text()), event.payloadText());
            case Events.MOBILE_CONVERSATIONS -> phoneEvents.conversations(client, deviceId, Payloads.object(event.payload(), name, event.text()), event.payloadText());
            case Events.MOBILE_MESSAGE_STATUS -> phoneEvents.status(client, deviceId, Payloads.object(event.payload(), name, event.text()), event.payloadText());
            case Events.MESSAGE_SENT -> phoneEvents.sent(deviceId, event.payload());
            case Events.MESSAGE_DELETED -> Future.succeededFuture();
            case Events.MOBILE_LIST_SESSIONS -> sessionControl.listEvent(client.socket(), deviceId);
            case Events.MOBILE_REVOKE_SESSION -> sessionControl.revokeEvent(client.socket(), deviceId, Payloads.object(event.payload(), name));
            default -> throw new IllegalArgumentException("not a phone event: " + Client.shortened(name));
        };
    }

    String deviceId() {
        return deviceId;
    }

    /** True when the phone said in its register that it confirms each command (so one left unconfirmed is sent again). */
    boolean confirmsCommands() {
        return confirmsCommands;
    }

    /** The device's live sessions, for the check that a phone got paired in time. */
    Future<JsonArray> sessions() {
        return sessionControl.list(deviceId);
    }

    /** The socket went: the phone's route and presence go with it. */
    Future<Void> disconnected(Client client, String reason) {
        return phoneEvents.disconnected(client, deviceId, reason);
    }
}
