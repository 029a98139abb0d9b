package io.relay.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Brings the schema up to date with Flyway. Blocking (JDBC): start-up only, inside {@code executeBlocking}. */
public final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    /**
     * What a start-up's migration left: the schema's version (the newest migration applied, by this run or an
     * earlier one; {@code none} on a schema no migration ever ran on) and how many migrations this run applied.
     */
    public record Migrated(String version, int applied) {
    }

    /** Migrates the URL's schema (creating it if missing). */
    public static Migrated migrate(DatabaseUrl url) {
        Flyway flyway = Flyway.configure()
                .dataSource(url.jdbcUrl(), url.user(), url.password().isEmpty() ? null : url.password())
                .schemas(url.schema())
                .defaultSchema(url.schema())
                .createSchemas(true)
                .locations("classpath:db/migration")
                .load();
        MigrateResult result = flyway.migrate();
        // Flyway names a target version only when the run applied something: every restart of a node on an
        // up-to-date schema logged "schema version null", which reads like an empty database to whoever is on call.
        Migrated migrated = new Migrated(result.targetSchemaVersion != null ? result.targetSchemaVersion : currentVersion(flyway),
                result.migrationsExecuted);
        LOG.info("Database {} at schema version {} ({} migration(s) applied)", url, migrated.version(), migrated.applied());
        return migrated;
    }

    private static String currentVersion(Flyway flyway) {
        MigrationInfo current = flyway.info().current();
        return current == null || current.getVersion() == null ? "none" : current.getVersion().getVersion();
    }
}
