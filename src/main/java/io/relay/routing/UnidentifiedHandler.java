package io.relay.routing;

import io.relay.vocabulary.Events;
import io.relay.vocabulary.FailureReason;
import io.relay.gateway.socketio.ClientEvent;
import io.relay.pairing.SessionClaims;
import io.vertx.core.Future;

/**
 * The events of a client before it identified, and every event its sides do not take: it identifies
 * (or identifies again) here, and the other side's events are refused with what to send first. The
 * payload of a refused event is checked first, as the event's own handler would, so a client gets the
 * same answer whichever side it is on. Node-wide and stateless; it also makes each client's side handlers.
 */
final class UnidentifiedHandler implements ClientHandler {
    static final String NOT_REGISTERED = "Device not registered: send mobile:register first";
    static final String NOT_AUTHENTICATED = "Not authenticated: send web:authenticate first";

    private final PhoneEvents phoneEvents;
    private final WebEvents webEvents;
    private final SessionControl sessionControl;

    UnidentifiedHandler(PhoneEvents phoneEvents, WebEvents webEvents, SessionControl sessionControl) {
        this.phoneEvents = phoneEvents;
        this.webEvents = webEvents;
        this.sessionControl = sessionControl;
    }

    @Override
    public Future<Void> handle(Client client, ClientEvent event) {
        String name = event.name();
        return switch (name) {
            case Events.MOBILE_REGISTER -> phoneEvents.register(client, Payloads.object(event.payload(), name));
            case Events.WEB_AUTHENTICATE -> webEvents.authenticate(client, Payloads.object(event.payload(), name));
            // Taken before a register too, as always: without a phone there is no command to settle.
            case Events.MESSAGE_SENT, Events.MESSAGE_DELETED -> Future.succeededFuture();
            case Events.MOBILE_SCAN_QR, Events.MOBILE_MESSAGES, Events.MOBILE_CONVERSATIONS, Events.MOBILE_MESSAGE_STATUS,
                 Events.MOBILE_REVOKE_SESSION -> refuse(event, FailureReason.NOT_REGISTERED, NOT_REGISTERED);
            case Events.MOBILE_LIST_SESSIONS -> Future.failedFuture(new EventRejected(FailureReason.NOT_REGISTERED, NOT_REGISTERED));
            case Events.WEB_SEND_MESSAGE, Events.WEB_MARK_READ -> refuse(event, FailureReason.NOT_AUTHENTICATED, NOT_AUTHENTICATED);
            case Events.WEB_REQUEST_SYNC -> Future.failedFuture(new EventRejected(FailureReason.NOT_AUTHENTICATED, NOT_AUTHENTICATED));
            default -> Future.failedFuture(new EventRejected(FailureReason.UNKNOWN_EVENT, "Unknown event: " + Client.shortened(name)));
        };
    }

    /** A bad payload is named before the missing identification, as the side's handler would. */
    private static Future<Void> refuse(ClientEvent event, FailureReason reason, String why) {
        Payloads.object(event.payload(), event.name());
        return Future.failedFuture(new EventRejected(reason, why));
    }

    /** The handler of a client registered as the phone {@code deviceId}. */
    PhoneHandler phone(String deviceId, boolean confirmsCommands) {
        return new PhoneHandler(deviceId, confirmsCommands, phoneEvents, sessionControl);
    }

    /** The handler of a client authenticated as a browser with this session. */
    BrowserHandler browser(SessionClaims claims) {
        return new BrowserHandler(claims, webEvents);
    }
}
