package io.relay.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationsTest {

    @Test
    @DisplayName("Migrations create the relay's tables in the URL's schema, creating the schema, and are idempotent")
    void createsTables() throws Exception {
        String base = TestDatabase.freshDatabaseUrl();
        DatabaseUrl url = DatabaseUrl.parse(base.replace("schema=public", "schema=relay_app"));

        assertThat(Migrations.migrate(url)).isEqualTo(new Migrations.Migrated(String.valueOf(MigrationFiles.latest()),
                MigrationFiles.versions().size()));
        assertThat(Migrations.migrate(url))
                .as("a restart on an up-to-date schema applies nothing and still says the version it is at")
                .isEqualTo(new Migrations.Migrated(String.valueOf(MigrationFiles.latest()), 0));

        try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password().isEmpty() ? null : url.password());
             PreparedStatement tables = c.prepareStatement(
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name");
             PreparedStatement docType = c.prepareStatement(
                     "SELECT data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = 'messages' AND column_name = 'doc'")) {
            tables.setString(1, "relay_app");
            List<String> names = new ArrayList<>();
            try (ResultSet rs = tables.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            assertThat(names).contains("devices", "sessions", "pairing_tokens", "conversations", "messages", "outbox", "flyway_schema_history");

            docType.setString(1, "relay_app");
            try (ResultSet rs = docType.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).as("json keeps the phone's text; jsonb would not").isEqualTo("json");
            }
        }
    }
}
