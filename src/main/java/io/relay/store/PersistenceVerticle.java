package io.relay.store;

import io.relay.config.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Owns the PostgreSQL pools and the node's write batching: the {@link GroupCommit} runs on this verticle's
 * context, and the {@link PgStore} it hands out is called in-process by the rest of the node. On stop, the
 * writes already handed over commit (within the drain time) before the pool closes.
 */
public final class PersistenceVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(PersistenceVerticle.class);

    private static final String WRITES = "writes";
    private static final String READS = "reads";
    /** Its own sessions' statements that are running (or waiting on a lock), cancelled by a node whose drain gave up on them. */
    private static final String CANCEL_STATEMENTS = """
            SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity
            WHERE application_name = ANY($1) AND state = 'active' AND pid <> pg_backend_pid()""";
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(1);

    private final RelayConfig config;
    private final DatabaseUrl url;
    private final FlushObserver flushes;
    private Pool writePool;
    private Pool readPool;
    private GroupCommit writes;
    private volatile PgStore store;

    public PersistenceVerticle(RelayConfig config, DatabaseUrl url, FlushObserver flushes) {
        this.config = config;
        this.url = url;
        this.flushes = flushes;
    }

    @Override
    public Future<?> start() {
        // Two pools, half the connections each. A pool opens a connection on the event loop of the caller
        // that needed it: the flushes, issued on this verticle's context only, keep theirs on its event loop
        // (no thread hop per statement), and the reads, issued from every event loop, cannot take them.
        int size = config.databasePoolSize();
        int forWrites = Math.max(1, size / 2);
        writePool = pool(forWrites, true);
        readPool = pool(Math.max(1, size - forWrites), false);
        RelayConfig.StoreFlush batching = config.storeFlush();
        // One flush in flight: writes commit in the order they were handed over, which a phone's events rely
        // on now that the next one is taken before the last is stored (a status must not overtake its message).
        writes = new GroupCommit(vertx, context, writePool, new GroupCommit.Settings(batching.maxRows(), batching.maxWait(),
                batching.behindWait(), batching.behindBatch(), batching.commandWait(), 1, PgStore.TIMEOUT), flushes);
        store = new PgStore(readPool, writes);
        LOG.info("Persistence ready on {} ({} connections for the group commit, {} for reads; flushes of up to {} rows, "
                + "waiting up to {} µs, phone events written behind up to {} µs or {} at a time, browsers' commands riding with them "
                + "up to {} µs)", url, forWrites, Math.max(1, size - forWrites), batching.maxRows(), batching.maxWait().toNanos() / 1_000,
                batching.behindWait().toNanos() / 1_000, batching.behindBatch(), batching.commandWait().toNanos() / 1_000);
        return Future.succeededFuture();
    }

    private Pool pool(int size, boolean forWrites) {
        return PgBuilder.pool()
                // Named, so the two pools are told apart in the metrics (vertx_pool_*{pool_name}): both were "__vertx.DEFAULT".
                .with(new PoolOptions().setMaxSize(size).setName(forWrites ? WRITES : READS))
                .connectingTo(connectOptions(url, config.nodeId(), forWrites))
                .using(vertx)
                .build();
    }

    /**
     * The group commit's connections plan each statement once ({@code plan_cache_mode=force_generic_plan}):
     * its statements run hundreds of times a second with arrays whose length is all that changes, and
     * PostgreSQL would otherwise plan the message upsert (a five-step CTE) again at every flush, which took
     * longer than running it. The reads, which take single values, keep custom plans.
     *
     * <p>That one plan is made at a connection's first flush: on a new database (a node's warm-up after its first
     * deploy), over tables of a few rows, where reading the whole table beats any index. PostgreSQL then kept
     * it, a hash join over all of {@code devices}, {@code messages} or {@code outbox} at every flush, while the
     * tables grew, until an autoanalyze made it plan again. Every statement these connections run finds its rows
     * by key, so they are told never to prefer a sequential scan ({@code enable_seqscan=off} only prices one
     * out: a statement with no index to use still gets one).
     */
    static PgConnectOptions connectOptions(DatabaseUrl url, String nodeId, boolean forWrites) {
        PgConnectOptions options = url.pgConnectOptions();
        // pg_stat_activity and the server's log then say which node and which pool a session is (a statement that
        // hangs, a lock held), instead of the driver's name for every session of every node.
        options.addProperty("application_name", applicationName(nodeId, forWrites ? WRITES : READS));
        // The server gives up when the store does: a statement waiting on a lock, or a flush's transaction whose node
        // stopped sending in the middle of it (a partition, a frozen VM), would otherwise keep its session, and the
        // transaction its row locks (a device's, which a take-over of that phone waits for), for as long as the lock
        // or the TCP connection lasts, long after the caller was told storage is unavailable.
        String timeout = PgStore.TIMEOUT.toMillis() + "ms";
        options.addProperty("statement_timeout", timeout);
        options.addProperty("idle_in_transaction_session_timeout", timeout);
        if (forWrites) {
            options.addProperty("plan_cache_mode", "force_generic_plan");
            options.addProperty("enable_seqscan", "off");
        }
        return options;
    }

    /** "relay n1 writes": the node and what the session is for, within PostgreSQL's 63 bytes (the node's name is cut, not the rest). */
    static String applicationName(String nodeId, String purpose) {
        int room = 63 - "relay ".length() - purpose.length() - 1;
        return "relay " + (nodeId.length() > room ? nodeId.substring(0, room) : nodeId) + " " + purpose;
    }

    /** The part of a node's drain that storage may spend waiting for its writes in flight: four fifths. */
    static Duration storageShareOf(Duration drain) {
        return drain.multipliedBy(4).dividedBy(5);
    }

    /** The store; set once started. */
    public Store store() {
        return store;
    }

    @Override
    public Future<?> stop() {
        if (writes == null) {
            return Future.succeededFuture();
        }
        // A draining node's last writes were acknowledged to nobody yet: let them commit first, within a part of
        // the drain that leaves the rest of it (closing the pools, leaving the cluster) time to run: waiting the
        // whole drain on a statement that hangs would end the process with the node still a cluster member.
        long started = System.nanoTime();
        return writes.close(storageShareOf(config.drain()), store.direct())
                .compose(finished -> finished ? Future.succeededFuture() : cancelStatementsLeft())
                .eventually(() -> Future.join(writePool.close(), readPool.close()))
                .andThen(ar -> LOG.info("storage closed in {} ms", (System.nanoTime() - started) / 1_000_000));
    }

    /**
     * The statements this node still runs once its share of the drain is spent (one waiting on a lock, a database
     * that stopped answering) are cancelled, over a session of their own: a pool closes a session only once its
     * statement has answered, so one that hangs would hold the drain to its end, and its session would apply the
     * statement whenever the lock came free, long after the node had gone. Found by the sessions' names, which
     * carry the node's (unique in the cluster).
     */
    private Future<Void> cancelStatementsLeft() {
        PgConnectOptions options = url.pgConnectOptions().addProperty("application_name", applicationName(config.nodeId(), "drain"));
        String[] sessions = {applicationName(config.nodeId(), WRITES), applicationName(config.nodeId(), READS)};
        return PgConnection.connect(vertx, options)
                .compose(session -> session.preparedQuery(CANCEL_STATEMENTS).execute(Tuple.of(sessions)).eventually(session::close))
                .timeout(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .onSuccess(rows -> LOG.warn("cancelled {} statement(s) of this node still running on the database", rows.iterator().next().getLong(0)))
                .onFailure(e -> LOG.warn("could not cancel the statements of this node still running: {}", e.getMessage()))
                .<Void>mapEmpty().otherwiseEmpty();
    }
}
