package io.relay.store;

import io.relay.config.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one entry point to storage: picks the database (DATABASE_URL, or an embedded server in
 * {@code dataDir/pg}), migrates it, deploys the {@link PersistenceVerticle} and hands out its {@link Store},
 * which the node calls in-process.
 */
public final class Storage {
    private static final Logger LOG = LoggerFactory.getLogger(Storage.class);

    private final Vertx vertx;
    private final DatabaseUrl databaseUrl;
    private final EmbeddedDatabase embedded; // null when DATABASE_URL was given
    private final String deploymentId;
    private final Store store;

    private Storage(Vertx vertx, DatabaseUrl databaseUrl, EmbeddedDatabase embedded, String deploymentId, Store store) {
        this.vertx = vertx;
        this.databaseUrl = databaseUrl;
        this.embedded = embedded;
        this.deploymentId = deploymentId;
        this.store = store;
    }

    /** As {@link #start(Vertx, RelayConfig, FlushObserver)}, with nobody told of the flushes (tools and tests). */
    public static Future<Storage> start(Vertx vertx, RelayConfig config) {
        return start(vertx, config, FlushObserver.NONE);
    }

    /** Starts storage; fails (after cleaning up what it started) if the database cannot be reached or migrated. */
    public static Future<Storage> start(Vertx vertx, RelayConfig config, FlushObserver flushes) {
        // A malformed DATABASE_URL fails the returned Future, before anything is started.
        Future<Database> database = config.databaseUrl().filter(u -> !u.isBlank())
                .map(u -> Future.succeededFuture(u).map(text -> new Database(DatabaseUrl.parse(text), null)))
                .orElseGet(() -> vertx.executeBlocking(() -> {
                    // The node closes it as its drain ends; the JVM's exit waits that long for it (and a second more).
                    EmbeddedDatabase embedded = EmbeddedDatabase.start(config.dataDir().resolve("pg"), config.drain().plusSeconds(1));
                    return new Database(DatabaseUrl.parse(embedded.url()), embedded);
                }, false));
        return database
                .compose(db -> migrateAndDeploy(vertx, config, db, flushes)
                        .recover(error -> db.stopEmbedded(vertx).transform(stopped -> Future.failedFuture(error))))
                .onSuccess(storage -> LOG.info("Storage ready on {}", storage.databaseUrl));
    }

    private static Future<Storage> migrateAndDeploy(Vertx vertx, RelayConfig config, Database db, FlushObserver flushes) {
        PersistenceVerticle persistence = new PersistenceVerticle(config, db.url(), flushes);
        return vertx.executeBlocking(() -> Migrations.migrate(db.url()), false)
                .compose(applied -> vertx.deployVerticle(persistence))
                .map(deploymentId -> new Storage(vertx, db.url(), db.embedded(), deploymentId, persistence.store()));
    }

    public Store store() {
        return store;
    }

    public DatabaseUrl databaseUrl() {
        return databaseUrl;
    }

    /** Undeploys the verticle (its writes commit first), then stops the embedded database if this started one. */
    public Future<Void> close() {
        return vertx.undeploy(deploymentId)
                .eventually(() -> new Database(databaseUrl, embedded).stopEmbedded(vertx))
                .onSuccess(v -> LOG.info("Storage closed"));
    }

    private record Database(DatabaseUrl url, EmbeddedDatabase embedded) {
        Future<Void> stopEmbedded(Vertx vertx) {
            if (embedded == null) {
                return Future.succeededFuture();
            }
            return vertx.executeBlocking(() -> {
                embedded.close();
                return null;
            }, false);
        }
    }
}
