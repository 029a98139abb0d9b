package io.relay.ops;

import io.relay.RelayNode;
import io.relay.e2e.FreshRelay;
import io.relay.store.DatabaseUrl;
import io.relay.store.MigrationFiles;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static io.relay.ops.TestSocket.await;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Health endpoints")
class HealthTest {

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();
    private String databaseUrl;
    private RelayNode node;
    private WebClient http;

    @BeforeEach
    void start() {
        databaseUrl = relay.databaseUrl();
        node = relay.node();
        http = WebClient.create(relay.vertx());
    }

    @AfterEach
    void stop() throws Exception {
        allowConnections(true);
        http.close();
    }

    private HttpResponse<Buffer> get(String path) throws Exception {
        return await(http.get(node.port(), "127.0.0.1", path).send());
    }

    private static JsonObject check(JsonObject report, String id) {
        return report.getJsonArray("checks").stream().map(JsonObject.class::cast)
                .filter(c -> id.equals(c.getString("id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + id + " in " + report.encode()));
    }

    @Test
    @DisplayName("liveness is UP while the node runs")
    void live() throws Exception {
        HttpResponse<Buffer> response = get("/health/live");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.getHeader("Content-Type")).startsWith("application/json");
        assertThat(response.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    }

    @Test
    @DisplayName("readiness is UP with the database, migrations, cluster and draining checks named in the body")
    void ready() throws Exception {
        HttpResponse<Buffer> response = get("/health/ready");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject report = response.bodyAsJsonObject();
        assertThat(report.getString("outcome")).isEqualTo("UP");
        assertThat(report.getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
                .containsExactlyInAnyOrder("database", "migrations", "cluster", "draining");
        assertThat(check(report, "migrations").getJsonObject("data").getString("version")).isEqualTo(String.valueOf(MigrationFiles.latest()));
        assertThat(check(report, "cluster").getJsonObject("data").getBoolean("clustered")).isFalse();
    }

    @Test
    @DisplayName("readiness is 503 naming the database while it refuses connections, and UP again once it is back")
    void databaseDown() throws Exception {
        allowConnections(false);
        HttpResponse<Buffer> down = get("/health/ready");
        assertThat(down.statusCode()).isEqualTo(503);
        JsonObject report = down.bodyAsJsonObject();
        assertThat(report.getString("outcome")).isEqualTo("DOWN");
        assertThat(check(report, "database").getString("status")).isEqualTo("DOWN");
        assertThat(check(report, "database").getJsonObject("data").getString("error")).isNotBlank();
        assertThat(check(report, "draining").getString("status")).isEqualTo("UP");
        assertThat(get("/health/live").statusCode()).as("liveness does not depend on the database").isEqualTo(200);

        allowConnections(true);
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("a draining node is not ready (503, check draining DOWN) but still live")
    void draining() throws Exception {
        node.drain();
        HttpResponse<Buffer> response = get("/health/ready");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(check(response.bodyAsJsonObject(), "draining").getJsonObject("data").getString("error")).contains("draining");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/metrics").bodyAsString()).contains("relay_node_draining 1.0");
    }

    @Test
    @DisplayName("other parts of the node can add readiness checks (the hook clustering uses)")
    void pluggableCheck() throws Exception {
        node.ops().health().readinessCheck("cluster", () -> io.vertx.core.Future.failedFuture("not a member"));
        JsonObject report = get("/health/ready").bodyAsJsonObject();
        assertThat(check(report, "cluster").getString("status")).isEqualTo("DOWN");
        assertThat(check(report, "cluster").getJsonObject("data").getString("error")).isEqualTo("not a member");
    }

    /** Makes the test database refuse (and drop) connections, or accept them again, like a database outage. */
    private void allowConnections(boolean allow) throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(databaseUrl);
        DatabaseUrl admin = url.withDatabase("postgres");
        try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password().isEmpty() ? null : admin.password());
             Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + url.database() + " WITH ALLOW_CONNECTIONS " + allow);
            if (!allow) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + url.database() + "'");
            }
        }
    }
}
