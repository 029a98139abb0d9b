package io.relay.store;

import io.relay.config.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the PostgreSQL pool and the node's write batching: the {@link GroupCommit} runs on this verticle's
 * context, and the {@link PgStore} it hands out is called in-process by the rest of the node. On stop, the
 * writes already handed over commit (within the drain time) before the pool closes.
 */
public final class PersistenceVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(PersistenceVerticle.class);

    private final RelayConfig config;
    private final DatabaseUrl url;
    private Pool pool;
    private GroupCommit writes;
    private volatile PgStore store;

    public PersistenceVerticle(RelayConfig config, DatabaseUrl url) {
        this.config = config;
        this.url = url;
    }

    @Override
    public Future<?> start() {
        pool = PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(config.databasePoolSize()))
                .connectingTo(url.pgConnectOptions())
                .using(vertx)
                .build();
        RelayConfig.StoreFlush batching = config.storeFlush();
        // Half the pool for the flushes; reads, pairing and the rest keep the other half.
        writes = new GroupCommit(vertx, context, pool, new GroupCommit.Settings(batching.maxRows(), batching.maxWait(),
                Math.max(1, config.databasePoolSize() / 2), PgStore.TIMEOUT));
        store = new PgStore(pool, writes);
        LOG.info("Persistence ready on {} (pool of {}; flushes of up to {} rows, waiting up to {} µs)", url, config.databasePoolSize(),
                batching.maxRows(), batching.maxWait().toNanos() / 1_000);
        return Future.succeededFuture();
    }

    /** The store; set once started. */
    public Store store() {
        return store;
    }

    @Override
    public Future<?> stop() {
        if (pool == null) {
            return Future.succeededFuture();
        }
        // A draining node's last writes were acknowledged to nobody yet: let them commit first.
        return writes.close(config.drain(), store::directIdle).eventually(pool::close);
    }
}
