package io.relay.relay;

import io.relay.cluster.Membership;
import io.relay.config.RelayConfig;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.pairing.PairingService;
import io.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's event model on one node: takes every Socket.IO connection and gives it a
 * {@link SocketSession} that speaks the phone/web contract. One instance per node, shared by all HTTP
 * verticle instances.
 */
public final class Relay {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    final String nodeId;
    final PhoneSessions phones;
    final WebSessions webs;
    final PhoneEvents phoneEvents;
    final WebEvents webEvents;
    final Presence presence;
    final PhoneCredentials credentials;
    final SessionControl sessionControl;
    final RelayConfig.Security security;
    /** Events refused by the per-connection rate limit since start, over all sockets of this node. */
    final java.util.concurrent.atomic.AtomicLong rateLimitedEvents = new java.util.concurrent.atomic.AtomicLong();

    public Relay(Vertx vertx, String nodeId, Store store, PairingService pairing, Membership membership) {
        this(vertx, nodeId, store, pairing, membership, RelayConfig.Security.defaults());
    }

    public Relay(Vertx vertx, String nodeId, Store store, PairingService pairing, Membership membership, RelayConfig.Security security) {
        this.nodeId = nodeId;
        this.credentials = new PhoneCredentials(store, security.allowLegacyPhones(), nodeId);
        this.sessionControl = new SessionControl(vertx, store, nodeId);
        this.security = security;
        this.phones = new PhoneSessions(vertx);
        this.webs = new WebSessions(vertx);
        this.presence = new Presence(vertx, membership, webs);
        this.phoneEvents = new PhoneEvents(this, store, pairing);
        this.webEvents = new WebEvents(this, store, pairing);
    }

    /** Gets the cluster-wide presence map; call once before accepting sockets. */
    public Future<Void> start() {
        return presence.start().compose(v -> sessionControl.start());
    }

    /** The Socket.IO connection handler: called on the socket's context once it joined namespace {@code /}. */
    public void accept(SocketIoSocket socket) {
        log.debug("socket connected node={} socket={} transport={} remote={}",
                nodeId, socket.id(), socket.transport(), socket.remoteAddress());
        new SocketSession(this, socket).start();
    }

    public long rateLimitedEvents() {
        return rateLimitedEvents.get();
    }

    public SessionControl sessionControl() {
        return sessionControl;
    }

    /** True when {@code secret} is the phone's device secret (constant-time); for calls the phone makes over REST. */
    public Future<Boolean> phoneSecretMatches(String deviceId, String secret) {
        return credentials.matches(deviceId, secret);
    }

    public PhoneSessions phones() {
        return phones;
    }

    public WebSessions webs() {
        return webs;
    }
}
