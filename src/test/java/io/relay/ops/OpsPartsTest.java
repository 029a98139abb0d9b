package io.relay.ops;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Small parts of ops")
class OpsPartsTest {

    @Test
    @DisplayName("schema versions compare numerically, part by part")
    void schemaVersions() {
        assertThat(SchemaVersions.compare("2", "10")).isNegative();
        assertThat(SchemaVersions.compare("1.1", "1")).isPositive();
        assertThat(SchemaVersions.compare("2_0", "2")).isZero();
    }

    @Test
    @DisplayName("migrations are ready at or beyond the version migrated at start-up (a newer node may have gone further)")
    void migrationsCheck() {
        assertThat(Ops.migrations(Optional.of("2"), Optional.of("1"))).isEqualTo(new JsonObject().put("version", "2"));
        assertThat(Ops.migrations(Optional.of("1"), Optional.of("1")).getString("version")).isEqualTo("1");
        assertThatThrownBy(() -> Ops.migrations(Optional.of("1"), Optional.of("2"))).hasMessageContaining("older");
        assertThatThrownBy(() -> Ops.migrations(Optional.empty(), Optional.of("1"))).hasMessageContaining("no migration");
    }

    @Test
    @DisplayName("the start-up URLs name a host a browser can open")
    void welcomeHost() {
        assertThat(Welcome.browsableHost("0.0.0.0")).isEqualTo("localhost");
        assertThat(Welcome.browsableHost("::")).isEqualTo("localhost");
        assertThat(Welcome.browsableHost("127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(Welcome.browsableHost("::1")).isEqualTo("[::1]");
    }
}
