package io.relay.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Brings the schema up to date with Flyway. Blocking (JDBC): start-up only, inside {@code executeBlocking}. */
public final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    /** Migrates the URL's schema (creating it if missing); returns the number of migrations applied. */
    public static int migrate(DatabaseUrl url) {
        MigrateResult result = Flyway.configure()
                .dataSource(url.jdbcUrl(), url.user(), url.password().isEmpty() ? null : url.password())
                .schemas(url.schema())
                .defaultSchema(url.schema())
                .createSchemas(true)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        LOG.info("Database {} at schema version {} ({} migration(s) applied)", url, result.targetSchemaVersion, result.migrationsExecuted);
        return result.migrationsExecuted;
    }
}
