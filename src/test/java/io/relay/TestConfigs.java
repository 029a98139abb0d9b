package io.relay;

import io.relay.config.RelayConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Configurations for tests: an ephemeral port, a fixed secret, the given database. */
public final class TestConfigs {
    public static final String SECRET = "test-secret-that-is-at-least-32-bytes-long!";

    private TestConfigs() {
    }

    /** The defaults, but for what a test node needs: any free port on loopback, a fixed secret, any origin, a short drain, no warm-up. */
    public static RelayConfig forDatabase(String databaseUrl) {
        return RelayConfig.builder()
                .port(0)
                .host("127.0.0.1")
                .nodeEnv("test")
                .nodeId("t" + UUID.randomUUID().toString().substring(0, 7))
                .databaseUrl(databaseUrl)
                .databasePoolSize(4)
                .dataDir(Path.of("target", "test-data"))
                .corsOrigins(List.of("*"))
                .jwt(new RelayConfig.Jwt(SECRET.getBytes(StandardCharsets.UTF_8), "relay", "relay-web", Duration.ofDays(30)))
                .socket(s -> s.pingTimeout(Duration.ofMillis(20_000)))
                .drain(Duration.ofSeconds(5))
                .warmup(Duration.ZERO) // nodes of tests start cold; WarmupTest covers the warm-up
                .build();
    }
}
