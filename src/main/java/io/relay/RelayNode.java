package io.relay;

import io.relay.config.RelayConfig;
import io.relay.gateway.HttpVerticle;
import io.relay.pairing.PairingService;
import io.relay.pairing.SessionTokens;
import io.relay.relay.Addresses;
import io.relay.relay.Relay;
import io.relay.store.Storage;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.relay.cluster.Membership;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One relay node on a given Vert.x: storage first (database reachable and migrated), then pairing and
 * the relay, then the HTTP servers. Started by {@link Main}, and by tests with their own config.
 */
public final class RelayNode {
    private static final Logger log = LoggerFactory.getLogger(RelayNode.class);

    private final Vertx vertx;
    private final Storage storage;
    private final Relay relay;
    private final Http http;

    private final Membership membership;
    private final AtomicBoolean draining;

    private RelayNode(Vertx vertx, Storage storage, Relay relay, Http http, Membership membership, AtomicBoolean draining) {
        this.vertx = vertx;
        this.storage = storage;
        this.relay = relay;
        this.http = http;
        this.membership = membership;
        this.draining = draining;
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
        AtomicBoolean draining = new AtomicBoolean();
        // Parts that cannot see the membership (requests waiting on a peer) hear of departures on the local bus.
        membership.onNodeLeft(departed -> {
            if (departed.nodeId() != null) {
                vertx.eventBus().publish(Addresses.nodeLeft(), departed.nodeId(), new DeliveryOptions().setLocalOnly(true));
            }
        });
        return Storage.start(vertx, config).compose(storage -> {
            PairingService pairing = new PairingService(vertx, config, storage.store(), new SessionTokens(vertx, config.jwt()));
            Relay relay = new Relay(vertx, config.nodeId(), storage.store(), pairing, membership);
            return relay.start()
                    .compose(v -> deployHttp(vertx, config, pairing, relay, draining::get))
                    .map(http -> new RelayNode(vertx, storage, relay, http, membership, draining))
                    .recover(error -> storage.close().transform(closed -> Future.failedFuture(error)));
        }).onSuccess(node -> log.info("relay node {} listening on http://{}:{} (REST /api/auth, Socket.IO /socket.io/)",
                config.nodeId(), config.host(), node.port()));
    }

    /**
     * One HTTP verticle per event loop. The first one binds (so an ephemeral port 0 is resolved), the
     * others then share that port, which Vert.x balances connections across.
     */
    private static Future<Http> deployHttp(Vertx vertx, RelayConfig config, PairingService pairing, Relay relay, BooleanSupplier draining) {
        HttpVerticle first = new HttpVerticle(config, config.port(), pairing, relay, draining);
        int more = Math.max(0, httpInstances() - 1);
        return vertx.deployVerticle(first).compose(firstId -> {
            int port = first.actualPort();
            if (more == 0) {
                return Future.succeededFuture(new Http(port, List.of(firstId)));
            }
            return vertx.deployVerticle(() -> new HttpVerticle(config, port, pairing, relay, draining), new DeploymentOptions().setInstances(more))
                    .map(moreId -> new Http(port, List.of(firstId, moreId)))
                    .recover(error -> vertx.undeploy(firstId).transform(undeployed -> Future.failedFuture(error)));
        });
    }

    private static int httpInstances() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public int port() {
        return http.port();
    }

    public Relay relay() {
        return relay;
    }

    public Membership membership() {
        return membership;
    }

    /** True once the node started shutting down: it takes no new connections and is not ready. */
    public boolean draining() {
        return draining.get();
    }

    /**
     * Drains and stops the node: no new Engine.IO sessions, every socket closed without a Socket.IO
     * DISCONNECT so the clients reconnect (through the load balancer, to other nodes), then storage
     * closes once its in-flight writes are done. Leaving the cluster is closing Vert.x, after this.
     */
    public Future<Void> close() {
        draining.set(true);
        return Future.join(http.deploymentIds().stream().map(vertx::undeploy).toList())
                .<Void>mapEmpty()
                .eventually(storage::close);
    }
}
