package io.relay.routing;

import io.relay.vocabulary.Events;
import io.relay.gateway.socketio.ClientEvent;
import io.relay.pairing.SessionClaims;
import io.vertx.core.Future;

import java.util.Set;

/** The events of a client authenticated as a browser: its commands to its phone and its syncs. */
final class BrowserHandler implements ClientHandler {
    /** The events this handler takes; anything else goes to the {@link UnidentifiedHandler}. */
    static final Set<String> EVENTS = Set.of(Events.WEB_SEND_MESSAGE, Events.WEB_MARK_READ, Events.WEB_REQUEST_SYNC);

    private final SessionClaims session;
    private final WebEvents webEvents;

    BrowserHandler(SessionClaims session, WebEvents webEvents) {
        this.session = session;
        this.webEvents = webEvents;
    }

    @Override
    public Future<Void> handle(Client client, ClientEvent event) {
        String name = event.name();
        return switch (name) {
            case Events.WEB_SEND_MESSAGE -> webEvents.sendMessage(session.deviceId(), Payloads.object(event.payload(), name));
            case Events.WEB_MARK_READ -> webEvents.markRead(session.deviceId(), Payloads.object(event.payload(), name));
            case Events.WEB_REQUEST_SYNC -> webEvents.requestSync(client, session.deviceId(), event.payload());
            default -> throw new IllegalArgumentException("not a browser event: " + Client.shortened(name));
        };
    }

    /** The session this browser authenticated with. */
    SessionClaims session() {
        return session;
    }

    /** The socket went: it leaves its phone's fan-out group and its session's sockets. */
    void disconnected(Client client, String reason) {
        webEvents.disconnected(client, session, reason);
    }
}
