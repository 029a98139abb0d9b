package io.relay.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Configuration")
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private JsonObject file() {
        return new JsonObject().put("port", 3000).put("dataDir", dir.toString()).put("corsOrigin", "http://localhost:5173");
    }

    @Test
    @DisplayName("the seed's environment variables override the file")
    void envOverridesFile() {
        RelayConfig c = ConfigLoader.load(file(), Map.of(
                "PORT", "4100",
                "DATABASE_URL", "postgresql://u:p@db:5432/relay?schema=public",
                "CORS_ORIGIN", "https://a.example, https://b.example",
                "JWT_SECRET", "x".repeat(40)));
        assertThat(c.port()).isEqualTo(4100);
        assertThat(c.databaseUrl()).contains("postgresql://u:p@db:5432/relay?schema=public");
        assertThat(c.corsOrigins()).containsExactly("https://a.example", "https://b.example");
        assertThat(c.jwt().secret()).hasSize(40);
    }

    @Test
    @DisplayName("production refuses to start without DATABASE_URL, naming it")
    void productionNeedsDatabase() {
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("NODE_ENV", "production", "JWT_SECRET", "x".repeat(40))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("DATABASE_URL");
    }

    @Test
    @DisplayName("production refuses a missing or short JWT_SECRET, naming it")
    void productionNeedsStrongSecret() {
        Map<String, String> noSecret = Map.of("NODE_ENV", "production", "DATABASE_URL", "postgresql://u:p@db/relay");
        assertThatThrownBy(() -> ConfigLoader.load(file(), noSecret))
                .isInstanceOf(ConfigException.class).hasMessageContaining("JWT_SECRET");
        Map<String, String> shortSecret = Map.of("NODE_ENV", "production", "DATABASE_URL", "postgresql://u:p@db/relay", "JWT_SECRET", "short");
        assertThatThrownBy(() -> ConfigLoader.load(file(), shortSecret))
                .isInstanceOf(ConfigException.class).hasMessageContaining("JWT_SECRET").hasMessageContaining("32");
    }

    @Test
    @DisplayName("development without JWT_SECRET generates a random secret once and keeps it")
    void developmentSecretIsRandomAndKept() {
        RelayConfig first = ConfigLoader.load(file(), Map.of());
        RelayConfig second = ConfigLoader.load(file(), Map.of());
        assertThat(first.jwt().secret()).hasSizeGreaterThanOrEqualTo(32).isEqualTo(second.jwt().secret());
        assertThat(Files.exists(dir.resolve("jwt-secret"))).isTrue();
    }

    @Test
    @DisplayName("phone secrets bind on first use by default; PHONE_SECRET_POLICY or security.phoneSecretPolicy make them required")
    void phoneSecretPolicy() {
        assertThat(ConfigLoader.load(file(), Map.of()).security().phoneSecrets()).isEqualTo(PhoneSecretPolicy.BIND_ON_FIRST_USE);
        assertThat(ConfigLoader.load(file(), Map.of("PHONE_SECRET_POLICY", "required")).security().phoneSecrets())
                .isEqualTo(PhoneSecretPolicy.REQUIRED);
        JsonObject required = file().put("security", new JsonObject().put("phoneSecretPolicy", "required"));
        assertThat(ConfigLoader.load(required, Map.of()).security().phoneSecrets()).isEqualTo(PhoneSecretPolicy.REQUIRED);
        assertThat(ConfigLoader.load(required, Map.of("PHONE_SECRET_POLICY", "bind-on-first-use")).security().phoneSecrets())
                .isEqualTo(PhoneSecretPolicy.BIND_ON_FIRST_USE);
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("PHONE_SECRET_POLICY", "sometimes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PHONE_SECRET_POLICY").hasMessageContaining("required");
    }

    @Test
    @DisplayName("the replaced ALLOW_LEGACY_PHONES still works (true: bind on first use, false: required) and contradicting the new setting is refused")
    void legacySwitchStillWorks() {
        assertThat(ConfigLoader.load(file(), Map.of("ALLOW_LEGACY_PHONES", "true")).security().phoneSecrets())
                .isEqualTo(PhoneSecretPolicy.BIND_ON_FIRST_USE);
        assertThat(ConfigLoader.load(file(), Map.of("ALLOW_LEGACY_PHONES", "false")).security().phoneSecrets())
                .isEqualTo(PhoneSecretPolicy.REQUIRED);
        JsonObject off = file().put("security", new JsonObject().put("allowLegacyPhones", false));
        assertThat(ConfigLoader.load(off, Map.of()).security().phoneSecrets()).isEqualTo(PhoneSecretPolicy.REQUIRED);
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("ALLOW_LEGACY_PHONES", "true", "PHONE_SECRET_POLICY", "required")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ALLOW_LEGACY_PHONES").hasMessageContaining("PHONE_SECRET_POLICY");
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("ALLOW_LEGACY_PHONES", "maybe")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ALLOW_LEGACY_PHONES");
    }

    @Test
    @DisplayName("the event loops follow the CPUs (0) unless eventLoops or EVENT_LOOPS names a number; a negative one is refused")
    void eventLoops() {
        assertThat(ConfigLoader.load(file(), Map.of()).eventLoops()).isZero();
        assertThat(ConfigLoader.load(file().put("eventLoops", 3), Map.of()).eventLoops()).isEqualTo(3);
        assertThat(ConfigLoader.load(file().put("eventLoops", 3), Map.of("EVENT_LOOPS", "2")).eventLoops()).isEqualTo(2);
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("EVENT_LOOPS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("EVENT_LOOPS");
    }

    @Test
    @DisplayName("a sync from storage sends 100 threads of 50 messages by default; SYNC_THREADS and SYNC_THREAD_MESSAGES change it")
    void syncBounds() {
        assertThat(ConfigLoader.load(file(), Map.of()).sync()).isEqualTo(new RelayConfig.Sync(100, 50));
        JsonObject custom = file().put("sync", new JsonObject().put("threads", 7).put("messagesPerThread", 9));
        assertThat(ConfigLoader.load(custom, Map.of()).sync()).isEqualTo(new RelayConfig.Sync(7, 9));
        assertThat(ConfigLoader.load(custom, Map.of("SYNC_THREAD_MESSAGES", "3")).sync()).isEqualTo(new RelayConfig.Sync(7, 3));
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("SYNC_THREADS", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SYNC_THREADS");
    }

    @Test
    @DisplayName("the group commit flushes at 1000 rows or after 2000 µs by default, phone events' log appends after 20 ms or 200 at a time, "
            + "browsers' commands riding with them up to 20 ms; STORE_FLUSH_MAX_ROWS, STORE_FLUSH_MICROS, STORE_WRITE_BEHIND_MICROS, "
            + "STORE_WRITE_BEHIND_EVENTS and STORE_COMMAND_WAIT_MICROS change it, 0 µs sends at once")
    void storeFlush() {
        assertThat(ConfigLoader.load(file(), Map.of()).storeFlush())
                .isEqualTo(new RelayConfig.StoreFlush(1_000, Duration.ofNanos(2_000_000), Duration.ofMillis(20), 200, Duration.ofMillis(20)));
        JsonObject custom = file().put("database", new JsonObject().put("flushMaxRows", 50).put("flushMicros", 250).put("writeBehindMicros", 4_000)
                .put("writeBehindEvents", 20).put("commandWaitMicros", 3_000));
        assertThat(ConfigLoader.load(custom, Map.of()).storeFlush())
                .isEqualTo(new RelayConfig.StoreFlush(50, Duration.ofNanos(250_000), Duration.ofNanos(4_000_000), 20, Duration.ofNanos(3_000_000)));
        assertThat(ConfigLoader.load(custom, Map.of("STORE_COMMAND_WAIT_MICROS", "0")).storeFlush().commandWait()).isZero();
        assertThat(ConfigLoader.load(custom, Map.of("STORE_FLUSH_MICROS", "0")).storeFlush().maxWait()).isZero();
        assertThat(ConfigLoader.load(custom, Map.of("STORE_WRITE_BEHIND_MICROS", "0")).storeFlush())
                .as("the log appends' window on its own")
                .isEqualTo(new RelayConfig.StoreFlush(50, Duration.ofNanos(250_000), Duration.ZERO, 20, Duration.ofNanos(3_000_000)));
        assertThat(ConfigLoader.load(custom, Map.of("STORE_WRITE_BEHIND_EVENTS", "120")).storeFlush().behindBatch()).isEqualTo(120);
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("STORE_WRITE_BEHIND_EVENTS", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("STORE_WRITE_BEHIND_EVENTS");
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("STORE_FLUSH_MAX_ROWS", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("STORE_FLUSH_MAX_ROWS");
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("STORE_FLUSH_MICROS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("STORE_FLUSH_MICROS");
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("STORE_WRITE_BEHIND_MICROS", "1000001")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("STORE_WRITE_BEHIND_MICROS");
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("STORE_COMMAND_WAIT_MICROS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("STORE_COMMAND_WAIT_MICROS");
    }

    @Test
    @DisplayName("the abuse limits have documented defaults and are set by file or environment")
    void limits() {
        RelayConfig.Security d = ConfigLoader.load(file(), Map.of()).security();
        assertThat(List.of(d.pairingRequestsPerMinute(), d.eventsPerSecond(), d.eventBurst(), d.maxConnectionsPerIp()))
                .containsExactly(60, 50, 1000, 200);
        JsonObject custom = file().put("security", new JsonObject().put("pairingRequestsPerMinute", 10).put("eventsPerSecond", 5)
                .put("eventBurst", 20).put("maxConnectionsPerIp", 0));
        RelayConfig.Security c = ConfigLoader.load(custom, Map.of("SOCKET_EVENT_BURST", "30")).security();
        assertThat(List.of(c.pairingRequestsPerMinute(), c.eventsPerSecond(), c.eventBurst(), c.maxConnectionsPerIp()))
                .containsExactly(10, 5, 30, 0);
        RelayConfig.Security e = ConfigLoader.load(file(), Map.of("PAIRING_RATE_PER_MINUTE", "0", "SOCKET_EVENTS_PER_SECOND", "7",
                "MAX_CONNECTIONS_PER_IP", "3")).security();
        assertThat(List.of(e.pairingRequestsPerMinute(), e.eventsPerSecond(), e.maxConnectionsPerIp())).containsExactly(0, 7, 3);
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("SOCKET_EVENTS_PER_SECOND", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SOCKET_EVENTS_PER_SECOND");
    }

    @Test
    @DisplayName("unidentified connections are closed after 30 s by default; the file or IDENTIFY_TIMEOUT_SECONDS change it, 0 turns it off")
    void identifyTimeout() {
        assertThat(ConfigLoader.load(file(), Map.of()).security().identifyTimeout()).isEqualTo(Duration.ofSeconds(30));
        JsonObject custom = file().put("security", new JsonObject().put("identifyTimeoutSeconds", 5));
        assertThat(ConfigLoader.load(custom, Map.of()).security().identifyTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ConfigLoader.load(custom, Map.of("IDENTIFY_TIMEOUT_SECONDS", "0")).security().identifyTimeout()).isZero();
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("IDENTIFY_TIMEOUT_SECONDS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("IDENTIFY_TIMEOUT_SECONDS");
    }

    @Test
    @DisplayName("the front door's bounds: a TCP cap per IP that follows the Socket.IO cap unless set (off with it), 10 s for a request head, 60 s idle, 600 s for an unpaired phone")
    void frontDoor() {
        RelayConfig.Security d = ConfigLoader.load(file(), Map.of()).security();
        assertThat(d.maxTcpConnectionsPerIp()).isEqualTo(650);
        assertThat(List.of(d.httpHeaderTimeout(), d.httpIdleTimeout(), d.unpairedPhoneTimeout()))
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(600));
        assertThat(ConfigLoader.load(file(), Map.of("MAX_CONNECTIONS_PER_IP", "10")).security().maxTcpConnectionsPerIp()).isEqualTo(80);
        assertThat(ConfigLoader.load(file(), Map.of("MAX_CONNECTIONS_PER_IP", "0")).security().maxTcpConnectionsPerIp())
                .as("behind a proxy both caps are off").isZero();
        RelayConfig.Security e = ConfigLoader.load(file(), Map.of("MAX_CONNECTIONS_PER_IP", "0", "MAX_TCP_CONNECTIONS_PER_IP", "900",
                "HTTP_HEADER_TIMEOUT_SECONDS", "5", "HTTP_IDLE_TIMEOUT_SECONDS", "0", "UNPAIRED_PHONE_TIMEOUT_SECONDS", "0")).security();
        assertThat(e.maxTcpConnectionsPerIp()).isEqualTo(900);
        assertThat(List.of(e.httpHeaderTimeout(), e.httpIdleTimeout(), e.unpairedPhoneTimeout()))
                .containsExactly(Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO);
        JsonObject custom = file().put("security", new JsonObject().put("maxTcpConnectionsPerIp", 12).put("httpIdleTimeoutSeconds", 90));
        assertThat(ConfigLoader.load(custom, Map.of()).security().maxTcpConnectionsPerIp()).isEqualTo(12);
        assertThat(ConfigLoader.load(custom, Map.of()).security().httpIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("HTTP_HEADER_TIMEOUT_SECONDS", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HTTP_HEADER_TIMEOUT_SECONDS");
    }

    @Test
    @DisplayName("a connection's bounds: no binary attachments, 1 MB of them, 10 s per packet, 8 MiB outbound by default; file or environment change them")
    void connectionBounds() {
        RelayConfig.Socket defaults = ConfigLoader.load(file(), Map.of()).socket();
        assertThat(defaults.maxBinaryAttachments()).isZero();
        assertThat(defaults.maxBinaryBytes()).isEqualTo(1_000_000);
        assertThat(defaults.binaryPacketTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.maxOutboundBytes()).isEqualTo(8L * 1024 * 1024);
        JsonObject custom = file().put("socket", new JsonObject().put("maxBinaryAttachments", 4).put("maxOutboundBytes", 4_000_000));
        RelayConfig.Socket fromFile = ConfigLoader.load(custom, Map.of()).socket();
        assertThat(fromFile.maxBinaryAttachments()).isEqualTo(4);
        assertThat(fromFile.maxOutboundBytes()).isEqualTo(4_000_000);
        RelayConfig.Socket fromEnv = ConfigLoader.load(custom, Map.of("MAX_BINARY_ATTACHMENTS", "2", "MAX_BINARY_BYTES", "65536",
                "BINARY_PACKET_TIMEOUT_MS", "2500", "MAX_OUTBOUND_BYTES", "16777216")).socket();
        assertThat(fromEnv.maxBinaryAttachments()).isEqualTo(2);
        assertThat(fromEnv.maxBinaryBytes()).isEqualTo(65_536);
        assertThat(fromEnv.binaryPacketTimeout()).isEqualTo(Duration.ofMillis(2_500));
        assertThat(fromEnv.maxOutboundBytes()).isEqualTo(16_777_216);
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("MAX_BINARY_ATTACHMENTS", "1001")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MAX_BINARY_ATTACHMENTS");
    }

    @Test
    @DisplayName("an outbound bound below twice the largest message is refused: the relay's own answers could close a client")
    void outboundBoundCoversTwoMessages() {
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("MAX_OUTBOUND_BYTES", "1500000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MAX_OUTBOUND_BYTES").hasMessageContaining("MAX_PAYLOAD_BYTES");
        assertThat(ConfigLoader.load(file(), Map.of("MAX_OUTBOUND_BYTES", "1500000", "MAX_PAYLOAD_BYTES", "500000"))
                .socket().maxOutboundBytes()).isEqualTo(1_500_000);
    }

    @Test
    @DisplayName("a malformed number names the setting")
    void badNumberNamesSetting() {
        assertThatThrownBy(() -> ConfigLoader.load(file(), Map.of("PORT", "eighty")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PORT");
    }
}
