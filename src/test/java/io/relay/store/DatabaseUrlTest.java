package io.relay.store;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseUrlTest {

    @Test
    @DisplayName("The seed's DATABASE_URL form is read into its parts")
    void parsesSeedForm() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://postgres:password@localhost:5432/google_messages?schema=public");
        assertThat(url.user()).isEqualTo("postgres");
        assertThat(url.password()).isEqualTo("password");
        assertThat(url.host()).isEqualTo("localhost");
        assertThat(url.port()).isEqualTo(5432);
        assertThat(url.database()).isEqualTo("google_messages");
        assertThat(url.schema()).isEqualTo("public");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/google_messages?currentSchema=public&sslmode=disable");
    }

    @Test
    @DisplayName("postgres:// is accepted, the port defaults to 5432 and the schema to public")
    void defaults() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://relay@db.internal/relay");
        assertThat(url.port()).isEqualTo(5432);
        assertThat(url.schema()).isEqualTo("public");
        assertThat(url.password()).isEmpty();
        assertThat(url.sslMode()).isEqualTo("disable");
    }

    @Test
    @DisplayName("User and password are percent-decoded, and a '+' stays a plus")
    void percentDecoding() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://us%40er:p%3Aa%2Fs%23s+w%C3%A9@h:6543/db?schema=relay_1");
        assertThat(url.user()).isEqualTo("us@er");
        assertThat(url.password()).isEqualTo("p:a/s#s+wé");
        assertThat(url.port()).isEqualTo(6543);
        assertThat(url.schema()).isEqualTo("relay_1");
        assertThat(DatabaseUrl.parse(url.toUrlString())).isEqualTo(url);
    }

    @Test
    @DisplayName("Vert.x options carry the schema as search_path and honour sslmode")
    void pgConnectOptions() {
        PgConnectOptions options = DatabaseUrl.parse("postgresql://u:pw@h_1:5433/d?schema=app&sslmode=require").pgConnectOptions();
        assertThat(options.getHost()).isEqualTo("h_1");
        assertThat(options.getPort()).isEqualTo(5433);
        assertThat(options.getDatabase()).isEqualTo("d");
        assertThat(options.getUser()).isEqualTo("u");
        assertThat(options.getPassword()).isEqualTo("pw");
        assertThat(options.getProperties()).containsEntry("search_path", "\"app\"");
        assertThat(options.getSslMode()).isEqualTo(SslMode.REQUIRE);
    }

    @Test
    @DisplayName("An IPv6 host is read between brackets")
    void ipv6() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://u@[::1]:5000/d");
        assertThat(url.host()).isEqualTo("::1");
        assertThat(url.jdbcUrl()).startsWith("jdbc:postgresql://[::1]:5000/d");
    }

    @Test
    @DisplayName("toString never shows the password")
    void toStringHidesPassword() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://postgres:s3cr3t@localhost:5432/db");
        assertThat(url.toString()).doesNotContain("s3cr3t").contains("postgres:***@localhost:5432/db");
    }

    @Test
    @DisplayName("A malformed URL is refused with a message naming DATABASE_URL and without the password")
    void malformed() {
        for (String bad : new String[]{"", "mysql://u:p@h/db", "postgresql://u:s3cr3t@h:port/db", "postgresql://u:s3cr3t@h:5432",
                "postgresql://h:5432/db", "postgresql://u:s3cr3t@h/db?schema=bad;drop", "postgresql://u@h/db?sslmode=sometimes",
                "postgresql://u:s3cr3t@h/db%zz", "postgresql://u:s 3cr3t@h/db"}) {
            assertThatThrownBy(() -> DatabaseUrl.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DATABASE_URL")
                    .message().doesNotContain("s3cr3t");
        }
    }

    @Test
    @DisplayName("Connections keep their statements prepared, the long grouped upsert included (re-planning doubled the database's CPU per message)")
    void preparedStatementsAreCached() {
        var options = DatabaseUrl.parse("postgres://relay@db.internal/relay").pgConnectOptions();
        assertThat(options.getCachePreparedStatements()).isTrue();
        assertThat(options.getPreparedStatementCacheSqlFilter().test(StoreSql.APPEND_MESSAGES_AND_LOG)).isTrue();
        assertThat(options.getPreparedStatementCacheSqlFilter().test(StoreSql.APPEND_MESSAGES_AND_DELIVER_COMMANDS))
                .as("the flush statement of two kinds, longer than the client's default limit").isTrue();
    }
}
