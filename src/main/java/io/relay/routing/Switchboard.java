package io.relay.routing;

import io.relay.cluster.Membership;
import io.relay.config.RelayConfig;
import io.relay.gateway.socketio.SocketIoSocket;
import io.relay.ops.Metrics;
import io.relay.pairing.PairingService;
import io.relay.store.Store;
import io.relay.vocabulary.Events;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay's event model on one node (see docs/glossary.md): takes every Socket.IO connection as a
 * {@link Client} that speaks the phone/web contract, and links phones with their browsers. One instance per node, shared by all HTTP
 * verticle instances.
 */
public final class Switchboard {
    private static final Logger log = LoggerFactory.getLogger(Switchboard.class);

    private final Vertx vertx;
    private final String nodeId;
    private final Metrics metrics;
    private final RelayConfig.Security security;
    private final Membership membership;
    private final PairingService pairing;
    private final PhoneCredentials credentials;
    private final SessionControl sessionControl;
    private final PhoneRoutes routes;
    private final WebFanout fanout;
    private final Presence presence;
    private final Outbox outbox;
    private final UnidentifiedHandler unidentified;
    private final java.util.concurrent.atomic.AtomicLong lastRejoin = new java.util.concurrent.atomic.AtomicLong();
    /** Events refused by the per-connection rate limit since start, over all sockets of this node. */
    private final java.util.concurrent.atomic.AtomicLong rateLimitedEvents = new java.util.concurrent.atomic.AtomicLong();
    /** Live clients on this node, for the connection gauges. */
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();

    /** With the default settings, for switchboards built without a configuration (tests of one part). */
    public Switchboard(Vertx vertx, String nodeId, Store store, PairingService pairing, Membership membership) {
        this(vertx, nodeId, store, pairing, membership, Metrics.standalone(), RelayConfig.defaults().outboxTtl(),
                RelayConfig.Security.defaults(), RelayConfig.Sync.defaults());
    }

    public Switchboard(Vertx vertx, String nodeId, Store store, PairingService pairing, Membership membership, Metrics metrics,
                 Duration outboxTtl, RelayConfig.Security security, RelayConfig.Sync sync) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.metrics = metrics;
        this.credentials = new PhoneCredentials(store, security.phoneSecrets(), metrics, nodeId);
        this.sessionControl = new SessionControl(vertx, store, nodeId);
        this.security = security;
        this.membership = membership;
        this.pairing = pairing;
        this.routes = new PhoneRoutes(vertx);
        this.fanout = new WebFanout(vertx, metrics, eventLog(store, sync), nodeId);
        this.presence = new Presence(vertx, membership, fanout);
        this.outbox = new Outbox(vertx, nodeId, store, routes, fanout, metrics, outboxTtl);
        this.unidentified = new UnidentifiedHandler(
                new PhoneEvents(nodeId, store, pairing, credentials, routes, fanout, presence, outbox, metrics),
                new WebEvents(nodeId, store, pairing, sync, routes, fanout, presence, sessionControl, outbox),
                sessionControl);
        for (String kind : List.of(Client.PHONE, Client.WEB, Client.ANONYMOUS)) {
            for (String transport : List.of("polling", "websocket")) {
                metrics.connectionsGauge(kind, transport, clients, all -> count(all, kind, transport));
            }
        }
    }

    /** Gets the cluster-wide presence map; call once before accepting sockets. */
    public Future<Void> start() {
        membership.onRejoined(() -> {
            // One healed partition reports several times (this node merged, each peer came back): check once.
            long now = System.nanoTime();
            long last = lastRejoin.getAndSet(now);
            if (last == 0 || now - last > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(REJOIN_CHECKS_MS.get(0))) {
                REJOIN_CHECKS_MS.forEach(delay -> vertx.setTimer(delay, id -> rejoined()));
            }
        });
        return presence.start().compose(v -> sessionControl.start()).onSuccess(v -> outbox.start());
    }

    /**
     * After a partition heals, checked soon and again while the merged cluster's maps and routes settle:
     * a peer may re-announce its phones a moment after this node looked, and on the test bed live events
     * between the two sides came back only 5 to 10 s after the merge (publishers kept the consumers they
     * had cached during the partition). Until they do, each check brings the browsers what they missed.
     */
    static final List<Long> REJOIN_CHECKS_MS = List.of(1_000L, 5_000L, 15_000L, 30_000L);

    /**
     * This node and peers it had lost are one cluster again. Each side went on alone meanwhile, so: this
     * node says again which phones it holds (presence entries the other side dropped when it lost sight
     * of this node) and tells their browsers everywhere they are online; it hands its phones their
     * outboxes (nudges from the other side found no route); it registers its browsers' consumers again,
     * so publishers elsewhere stop using the list of consumers they cached during the partition (and its
     * consumer of QR scans, whose waiters read their rows again); and its
     * browsers get what they missed (from the log) and where their phone stands now.
     */
    private void rejoined() {
        List<String> phonesHere = routes.localDevices();
        List<String> browsedHere = fanout.localDevices();
        log.info("rejoined the cluster node={}: re-announcing {} phones, checking {} phones' browsers", nodeId, phonesHere.size(), browsedHere.size());
        for (String deviceId : phonesHere) {
            presence.online(deviceId).onSuccess(v -> {
                if (routes.connectedHere(deviceId)) {
                    fanout.publish(deviceId, Events.MOBILE_CONNECTED, new io.vertx.core.json.JsonObject().put("deviceId", deviceId));
                }
            });
        }
        routes.flushAll();
        fanout.refreshRoutes();
        pairing.rehearScans();
        for (String deviceId : browsedHere) {
            if (fanout.catchUp() != null) {
                fanout.catchUp().recheck(deviceId);
            }
            presence.isOnline(deviceId).onSuccess(online -> {
                if (online) {
                    fanout.deliverLocally(deviceId, Events.MOBILE_CONNECTED, new io.vertx.core.json.JsonObject().put("deviceId", deviceId));
                } else {
                    fanout.deliverLocally(deviceId, Events.MOBILE_DISCONNECTED);
                }
            });
        }
    }

    /** Stops the relay's own timers (the outbox sweep). */
    public void stop() {
        outbox.stop();
    }

    /** The Socket.IO connection handler: called on the socket's context once it joined namespace {@code /}. */
    public void accept(SocketIoSocket socket) {
        log.debug("socket connected node={} socket={} transport={} remote={}",
                nodeId, socket.id(), socket.transport(), socket.remoteAddress());
        metrics.connectionOpened();
        Client client = new Client(new MeteredSocket(socket, metrics), vertx, nodeId, metrics, security,
                new EventRateLimit(security, rateLimitedEvents), unidentified, this::ended);
        clients.add(client);
        client.start();
    }

    /** The device event log as the browsers' catch-up reads it. */
    private static WebCatchUp.Log eventLog(Store store, RelayConfig.Sync sync) {
        return new WebCatchUp.Log() {
            @Override
            public Future<Long> lastSeq(String deviceId) {
                return store.lastSeq(deviceId);
            }

            @Override
            public Future<io.vertx.core.json.JsonArray> eventsSince(String deviceId, long since, int limit) {
                return store.eventsSince(deviceId, since, limit);
            }

            @Override
            public Future<StoredSync> snapshot(String deviceId) {
                return StoredSync.read(store, deviceId, sync);
            }
        };
    }

    /** Called once by a client whose socket went. */
    private void ended(Client client) {
        clients.remove(client);
    }

    private static double count(Set<Client> all, String kind, String transport) {
        int n = 0;
        for (Client client : all) {
            if (client.kind().equals(kind) && transport.equals(client.socket().transport())) {
                n++;
            }
        }
        return n;
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

    public PhoneRoutes routes() {
        return routes;
    }

    public WebFanout fanout() {
        return fanout;
    }
}
