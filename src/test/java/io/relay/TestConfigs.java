package io.relay;

import io.relay.config.RelayConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Configurations for tests: an ephemeral port, a fixed secret, the given database. */
public final class TestConfigs {
    public static final String SECRET = "test-secret-that-is-at-least-32-bytes-long!";

    private TestConfigs() {
    }

    public static RelayConfig forDatabase(String databaseUrl) {
        return new RelayConfig(
                0,
                "127.0.0.1",
                "test",
                "t" + UUID.randomUUID().toString().substring(0, 7),
                Optional.ofNullable(databaseUrl),
                4,
                Path.of("target", "test-data"),
                List.of("*"),
                new RelayConfig.Jwt(SECRET.getBytes(StandardCharsets.UTF_8), "relay", "relay-web", Duration.ofDays(30)),
                new RelayConfig.Pairing(Duration.ofMinutes(5)),
                new RelayConfig.Socket(Duration.ofMillis(25_000), Duration.ofMillis(20_000), 1_000_000, Duration.ofMillis(10_000)),
                RelayConfig.Cluster.standalone(),
                Duration.ofSeconds(5),
                Duration.ofMinutes(10),
                RelayConfig.Security.defaults(),
                RelayConfig.Sync.defaults(),
                RelayConfig.StoreFlush.defaults());
    }
}
