package io.relay;

import io.relay.config.RelayConfig;
import io.relay.gateway.HttpVerticle;
import io.relay.ops.Metrics;
import io.relay.ops.Ops;
import io.relay.gateway.WebGuards;
import io.relay.gateway.engineio.EngineIoRegistry;
import io.relay.pairing.PairingPrune;
import io.relay.pairing.PairingService;
import io.relay.pairing.SessionTokens;
import io.relay.routing.Switchboard;
import io.relay.vocabulary.Addresses;
import io.relay.store.Storage;
import io.relay.warmup.QuietLogs;
import io.relay.warmup.Warmup;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.relay.cluster.Membership;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One relay node on a given Vert.x: storage first (database reachable and migrated), then pairing and
 * the switchboard, then the HTTP servers. Started by {@link Main}, and by tests with their own config.
 */
public final class RelayNode {
    private static final Logger log = LoggerFactory.getLogger(RelayNode.class);

    private final Vertx vertx;
    private final Storage storage;
    private final Switchboard switchboard;
    private final PairingPrune pairingPrune;
    private final Http http;
    private final Ops ops;

    private final Membership membership;
    private final AtomicBoolean draining;
    private volatile String drainStep = "not started";

    private RelayNode(Vertx vertx, Storage storage, Switchboard switchboard, PairingPrune pairingPrune, Http http, Membership membership,
                      AtomicBoolean draining, Ops ops) {
        this.vertx = vertx;
        this.storage = storage;
        this.switchboard = switchboard;
        this.pairingPrune = pairingPrune;
        this.http = http;
        this.membership = membership;
        this.draining = draining;
        this.ops = ops;
    }

    /** The HTTP verticles' deployments and the port they share. */
    private record Http(int port, List<String> deploymentIds) {
    }

    /** A standalone node (not clustered). */
    public static Future<RelayNode> start(Vertx vertx, RelayConfig config) {
        return start(vertx, config, Membership.standalone(config.nodeId()));
    }

    /** Starts the node; on failure, whatever was already started is stopped again. */
    public static Future<RelayNode> start(Vertx vertx, RelayConfig config, Membership membership) {
        return start(vertx, config, membership, PairingPrune.EVERY);
    }

    /** With its own time between pairing prunes: for a test that cannot wait a minute for the node's first one. */
    static Future<RelayNode> start(Vertx vertx, RelayConfig config, Membership membership, Duration pairingPruneEvery) {
        AtomicBoolean draining = new AtomicBoolean();
        // Parts that cannot see the membership (requests waiting on a peer) hear of departures on the local bus.
        membership.onNodeLeft(departed -> {
            if (departed.nodeId() != null) {
                vertx.eventBus().publish(Addresses.nodeLeft(), departed.nodeId(), new DeliveryOptions().setLocalOnly(true));
            }
        });
        // One registry for the node, storage's group commit included (Vert.x's backend registry when there is one).
        Metrics metrics = Metrics.forVertx(vertx, config.nodeId());
        return Storage.start(vertx, config, metrics::storeFlush).compose(storage -> Ops.start(vertx, metrics, storage.store(), membership, draining::get)
                .compose(ops -> {
                    PairingService pairing = new PairingService(vertx, config, storage.store(), new SessionTokens(vertx, config.jwt()), ops.metrics());
                    Switchboard switchboard = new Switchboard(vertx, config.nodeId(), storage.store(), pairing, membership, ops.metrics(), config.outboxTtl(),
                            config.security(), config.sync());
                    return switchboard.start()
                            .compose(v -> pairing.hearScans())
                            .compose(v -> warmUp(vertx, config, pairing, switchboard, ops, storage))
                            .compose(v -> deployHttp(vertx, config, pairing, switchboard, draining::get, ops))
                            .map(http -> {
                                // Started last, so a node that fails to start leaves no timer behind on a closed store.
                                PairingPrune pairingPrune = new PairingPrune(vertx, config.nodeId(), storage.store(), pairingPruneEvery);
                                pairingPrune.start();
                                return new RelayNode(vertx, storage, switchboard, pairingPrune, http, membership, draining, ops);
                            });
                })
                .recover(error -> storage.close().transform(closed -> Future.failedFuture(error))))
                .onFailure(error -> metrics.close())
                .onSuccess(node -> log.info("relay node {} listening on http://{}:{} (REST /api/auth, Socket.IO /socket.io/)",
                        config.nodeId(), config.host(), node.port()));
    }

    /**
     * Runs the warm-up (see {@link Warmup}) against HTTP verticles of its own on a loopback port, with the
     * abuse limits off (all of its traffic comes from one address, faster than any one client may), then
     * undeploys them. The real servers are deployed after it, so no user meets a cold node.
     */
    private static Future<Void> warmUp(Vertx vertx, RelayConfig config, PairingService pairing, Switchboard switchboard, Ops ops, Storage storage) {
        if (config.warmup().isZero()) {
            return Future.succeededFuture();
        }
        RelayConfig loopback = config.toBuilder()
                .host("127.0.0.1")
                .port(0)
                .security(s -> s.pairingRequestsPerMinute(0).maxConnectionsPerIp(0).maxTcpConnectionsPerIp(0)
                        .eventsPerSecond(1_000_000).eventBurst(1_000_000))
                .build();
        QuietLogs quiet = QuietLogs.mute();
        return deployHttp(vertx, loopback, pairing, switchboard, () -> false, ops)
                .compose(http -> Warmup.run(vertx, http.port(), storage.store(), config.nodeId(), config.warmup())
                        .eventually(() -> Future.join(http.deploymentIds().stream().map(vertx::undeploy).toList())))
                .<Void>mapEmpty()
                .onComplete(done -> quiet.restore())
                .recover(e -> {
                    log.warn("warm-up skipped: {}", e.getMessage());
                    return Future.succeededFuture();
                });
    }

    /**
     * One HTTP verticle per event loop on one port, which Vert.x shares among them. Vert.x does not share
     * port 0 (each instance would get its own), so an ephemeral port is picked first.
     */
    private static Future<Http> deployHttp(Vertx vertx, RelayConfig config, PairingService pairing, Switchboard switchboard, BooleanSupplier draining, Ops ops) {
        List<HttpVerticle> instances = new java.util.concurrent.CopyOnWriteArrayList<>();
        EngineIoRegistry engineIo = new EngineIoRegistry(); // node-wide: every instance finds every socket
        WebGuards guards = new WebGuards(config, engineIo); // node-wide: limits count across every instance
        ops.metrics().outboundBytesGauge(engineIo::outboundBytes);
        return vertx.executeBlocking(() -> config.port() != 0 ? config.port() : freePort(config.host()), false)
                .compose(port -> vertx.deployVerticle(() -> {
                    HttpVerticle verticle = new HttpVerticle(config, port, pairing, switchboard, draining, ops, guards, engineIo);
                    instances.add(verticle);
                    return verticle;
                }, new DeploymentOptions().setInstances(config.effectiveEventLoops())))
                .compose(id -> {
                    Set<Integer> ports = instances.stream().map(HttpVerticle::actualPort).collect(java.util.stream.Collectors.toSet());
                    if (ports.size() != 1) {
                        return vertx.undeploy(id).transform(v -> Future.failedFuture(
                                new IllegalStateException("HTTP instances listen on different ports " + ports)));
                    }
                    return Future.succeededFuture(new Http(ports.iterator().next(), List.of(id)));
                });
    }

    private static int freePort(String host) throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return http.port();
    }

    public Switchboard switchboard() {
        return switchboard;
    }

    public Membership membership() {
        return membership;
    }

    /** Health, metrics and the HTTP routes that expose them. */
    public Ops ops() {
        return ops;
    }

    /** True once the node started shutting down: it takes no new connections and is not ready. */
    public boolean draining() {
        return draining.get();
    }

    /** Starts draining without stopping: readiness fails and no new sessions are opened, so load balancers move clients away. */
    public void drain() {
        draining.set(true);
    }

    /**
     * Drains and stops the node: no new Engine.IO sockets, every socket closed without a Socket.IO
     * DISCONNECT so the clients reconnect (through the load balancer, to other nodes), then storage
     * closes once its in-flight writes are done. Leaving the cluster is closing Vert.x, after this.
     */
    public Future<Void> close() {
        draining.set(true);
        switchboard.stop();
        pairingPrune.stop();
        return step("closing the sockets and the HTTP servers", () -> Future.join(http.deploymentIds().stream().map(vertx::undeploy).toList())
                        .mapEmpty())
                .eventually(() -> step("finishing the writes in flight and closing storage", storage::close))
                .onComplete(ar -> ops.close());
    }

    /** {@link #close}, then leaving the cluster by closing Vert.x: the whole drain of a node that stops. */
    public Future<Void> closeAndLeave() {
        return close().eventually(() -> step("leaving the cluster and closing Vert.x", vertx::close));
    }

    /**
     * The step of the drain under way, for the line said when the drain runs out of time: a drain that hangs is
     * otherwise silent about which of its steps holds it.
     */
    public String drainStep() {
        return drainStep;
    }

    /** Runs one step of the drain, logging how long it took. */
    private Future<Void> step(String name, Supplier<Future<Void>> action) {
        drainStep = name;
        long started = System.nanoTime();
        return action.get().andThen(ar -> log.info("drain: {} took {} ms{}", name, (System.nanoTime() - started) / 1_000_000,
                ar.succeeded() ? "" : " and failed: " + ar.cause().getMessage()));
    }
}
