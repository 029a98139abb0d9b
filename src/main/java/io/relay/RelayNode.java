package io.relay;

import io.relay.config.RelayConfig;
import io.relay.gateway.HttpVerticle;
import io.relay.ops.Ops;
import io.relay.pairing.PairingService;
import io.relay.pairing.SessionTokens;
import io.relay.relay.Relay;
import io.relay.store.Storage;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

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
    private final Ops ops;

    private RelayNode(Vertx vertx, Storage storage, Relay relay, Http http, Ops ops) {
        this.vertx = vertx;
        this.storage = storage;
        this.relay = relay;
        this.http = http;
        this.ops = ops;
    }

    /** The HTTP verticles' deployments and the port they share. */
    private record Http(int port, List<String> deploymentIds) {
    }

    /** Starts the node; on failure, whatever was already started is stopped again. */
    public static Future<RelayNode> start(Vertx vertx, RelayConfig config) {
        return Storage.start(vertx, config).compose(storage -> Ops.start(vertx, config, storage.store()).compose(ops -> {
            PairingService pairing = new PairingService(vertx, config, storage.store(), new SessionTokens(vertx, config.jwt()), ops.metrics());
            Relay relay = new Relay(vertx, config.nodeId(), storage.store(), pairing, ops.metrics());
            return deployHttp(vertx, config, pairing, relay, ops)
                    .map(http -> new RelayNode(vertx, storage, relay, http, ops))
                    .onFailure(error -> ops.close());
        }).recover(error -> storage.close().transform(closed -> Future.failedFuture(error)))).onSuccess(node -> log.info("relay node {} listening on http://{}:{} (REST /api/auth, Socket.IO /socket.io/)",
                config.nodeId(), config.host(), node.port()));
    }

    /**
     * One HTTP verticle per event loop. The first one binds (so an ephemeral port 0 is resolved), the
     * others then share that port, which Vert.x balances connections across.
     */
    private static Future<Http> deployHttp(Vertx vertx, RelayConfig config, PairingService pairing, Relay relay, Ops ops) {
        HttpVerticle first = new HttpVerticle(config, config.port(), pairing, relay, ops);
        int more = Math.max(0, httpInstances() - 1);
        return vertx.deployVerticle(first).compose(firstId -> {
            int port = first.actualPort();
            if (more == 0) {
                return Future.succeededFuture(new Http(port, List.of(firstId)));
            }
            return vertx.deployVerticle(() -> new HttpVerticle(config, port, pairing, relay, ops), new DeploymentOptions().setInstances(more))
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

    /** Health, metrics and the HTTP routes that expose them. */
    public Ops ops() {
        return ops;
    }

    /** Marks the node as draining: readiness fails from now on, so load balancers stop sending new clients. */
    public void drain() {
        ops.drain();
    }

    /** Drains, undeploys the HTTP servers (clients reconnect elsewhere), then storage. */
    public Future<Void> close() {
        drain();
        return Future.join(http.deploymentIds().stream().map(vertx::undeploy).toList())
                .<Void>mapEmpty()
                .eventually(storage::close)
                .onComplete(ar -> ops.close());
    }
}
