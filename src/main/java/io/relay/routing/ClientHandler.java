package io.relay.routing;

import io.relay.gateway.socketio.ClientEvent;
import io.vertx.core.Future;

/**
 * What a {@link Client} does with its events. A client starts with the {@link UnidentifiedHandler};
 * {@code mobile:register} gives it a {@link PhoneHandler} for the phone's events, {@code web:authenticate}
 * a {@link BrowserHandler} for the browser's, as a Phoenix socket joins a channel. Called on the socket's
 * context, one event at a time.
 */
interface ClientHandler {
    /** Handles the event; a refusal is an {@link EventRejected}, thrown or as the failed Future. */
    Future<Void> handle(Client client, ClientEvent event);
}
