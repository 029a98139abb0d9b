package io.relay.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code conf/config.json} once and applies environment overrides, then validates. What neither
 * sets is {@link RelayConfig#defaults()}: this class writes no default of its own, only the rules of
 * the three that follow another setting unless set ({@code MAX_BINARY_BYTES}, {@code MAX_TCP_CONNECTIONS_PER_IP},
 * {@code CLUSTER_PUBLIC_HOST}).
 *
 * <p>This runs before Vert.x exists (cluster settings come from it), so it reads the file directly
 * rather than through vertx-config's asynchronous retriever.
 */
public final class ConfigLoader {

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    private static final int MIN_SECRET_BYTES = 32;

    private ConfigLoader() {
    }

    /** The file named by {@code RELAY_CONFIG}, else {@code ./conf/config.json}, else the copy inside the jar. */
    public static RelayConfig fromEnvironment(Map<String, String> env) {
        return load(readConfigFile(env), env);
    }

    static JsonObject readConfigFile(Map<String, String> env) {
        String explicit = env.get("RELAY_CONFIG");
        Path path = Path.of(explicit != null ? explicit : "conf/config.json");
        try {
            if (Files.isRegularFile(path)) {
                return new JsonObject(Files.readString(path));
            }
            if (explicit != null) {
                throw new ConfigException("RELAY_CONFIG points at " + path.toAbsolutePath() + ", which is not a readable file");
            }
            try (InputStream in = ConfigLoader.class.getResourceAsStream("/conf/config.json")) {
                return in == null ? new JsonObject() : new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException | DecodeException e) {
            throw new ConfigException("cannot read configuration " + path.toAbsolutePath() + ": " + e.getMessage());
        }
    }

    /** Pure merge of file and environment, plus validation; the only side effect is the development secret file. */
    public static RelayConfig load(JsonObject file, Map<String, String> env) {
        JsonObject jwt = file.getJsonObject("jwt", new JsonObject());
        JsonObject pairing = file.getJsonObject("pairing", new JsonObject());
        JsonObject socket = file.getJsonObject("socket", new JsonObject());
        JsonObject database = file.getJsonObject("database", new JsonObject());
        JsonObject cluster = file.getJsonObject("cluster", new JsonObject());
        JsonObject security = file.getJsonObject("security", new JsonObject());
        JsonObject sync = file.getJsonObject("sync", new JsonObject());
        RelayConfig d = RelayConfig.defaults();

        String nodeEnv = env.getOrDefault("NODE_ENV", file.getString("nodeEnv", d.nodeEnv()));
        boolean production = "production".equalsIgnoreCase(nodeEnv);
        int port = intSetting("PORT", env, file.getInteger("port", d.port()), 0, 65535);
        String host = env.getOrDefault("HOST", file.getString("host", d.host()));
        Path dataDir = Path.of(env.getOrDefault("DATA_DIR", file.getString("dataDir", d.dataDir().toString())));
        Optional<String> databaseUrl = Optional.ofNullable(env.getOrDefault("DATABASE_URL", file.getString("databaseUrl", d.databaseUrl().orElse(null))))
                .filter(s -> !s.isBlank());
        String cors = env.getOrDefault("CORS_ORIGIN", file.getString("corsOrigin", String.join(",", d.corsOrigins())));
        List<String> corsOrigins = Arrays.stream(cors.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        String nodeId = env.getOrDefault("NODE_ID", d.nodeId());

        if (production && databaseUrl.isEmpty()) {
            throw new ConfigException("NODE_ENV=production requires DATABASE_URL (the embedded PostgreSQL is for development only)");
        }
        byte[] secret = jwtSecret(env.get("JWT_SECRET"), production, dataDir);

        return new RelayConfig(
                port,
                host,
                nodeEnv,
                nodeId,
                databaseUrl,
                intSetting("DB_POOL_SIZE", env, database.getInteger("poolSize", d.databasePoolSize()), 1, 200),
                dataDir,
                corsOrigins,
                new RelayConfig.Jwt(
                        secret,
                        jwt.getString("issuer", d.jwt().issuer()),
                        jwt.getString("audience", d.jwt().audience()),
                        Duration.ofSeconds(intSetting("SESSION_TTL_SECONDS", env,
                                jwt.getInteger("sessionTtlSeconds", (int) d.jwt().sessionTtl().toSeconds()), 60, Integer.MAX_VALUE))),
                new RelayConfig.Pairing(
                        Duration.ofSeconds(intSetting("QR_TTL_SECONDS", env, pairing.getInteger("qrTtlSeconds", (int) d.pairing().qrTtl().toSeconds()), 1, 86_400))),
                socket(socket, env, d.socket()),
                cluster(cluster, env, d.cluster()),
                Duration.ofSeconds(intSetting("DRAIN_SECONDS", env, file.getInteger("drainSeconds", (int) d.drain().toSeconds()), 0, 3_600)),
                Duration.ofSeconds(intSetting("OUTBOX_TTL_SECONDS", env, file.getInteger("outboxTtlSeconds", (int) d.outboxTtl().toSeconds()), 1, 30 * 86_400)),
                security(security, env, d.security()),
                new RelayConfig.Sync(
                        intSetting("SYNC_THREADS", env, sync.getInteger("threads", d.sync().threads()), 1, 5_000),
                        intSetting("SYNC_THREAD_MESSAGES", env, sync.getInteger("messagesPerThread", d.sync().messagesPerThread()), 1, 5_000)),
                storeFlush(database, env, d.storeFlush()),
                Duration.ofSeconds(intSetting("WARMUP_SECONDS", env, file.getInteger("warmupSeconds", (int) d.warmup().toSeconds()), 0, 600)),
                intSetting("EVENT_LOOPS", env, file.getInteger("eventLoops", d.eventLoops()), 0, 256));
    }

    private static RelayConfig.StoreFlush storeFlush(JsonObject database, Map<String, String> env, RelayConfig.StoreFlush d) {
        return new RelayConfig.StoreFlush(
                intSetting("STORE_FLUSH_MAX_ROWS", env, database.getInteger("flushMaxRows", d.maxRows()), 1, 100_000),
                Duration.ofNanos(1_000L * intSetting("STORE_FLUSH_MICROS", env,
                        database.getInteger("flushMicros", (int) (d.maxWait().toNanos() / 1_000)), 0, 1_000_000)),
                Duration.ofNanos(1_000L * intSetting("STORE_WRITE_BEHIND_MICROS", env,
                        database.getInteger("writeBehindMicros", (int) (d.behindWait().toNanos() / 1_000)), 0, 1_000_000)),
                intSetting("STORE_WRITE_BEHIND_EVENTS", env, database.getInteger("writeBehindEvents", d.behindBatch()), 1, 100_000),
                Duration.ofNanos(1_000L * intSetting("STORE_COMMAND_WAIT_MICROS", env,
                        database.getInteger("commandWaitMicros", (int) (d.commandWait().toNanos() / 1_000)), 0, 1_000_000)));
    }

    private static RelayConfig.Socket socket(JsonObject file, Map<String, String> env, RelayConfig.Socket d) {
        int maxPayload = intSetting("MAX_PAYLOAD_BYTES", env, file.getInteger("maxPayloadBytes", d.maxPayloadBytes()), 1_024, 100_000_000);
        long maxOutbound = intSetting("MAX_OUTBOUND_BYTES", env,
                file.getInteger("maxOutboundBytes", (int) d.maxOutboundBytes()), 65_536, Integer.MAX_VALUE);
        if (maxOutbound < 2L * maxPayload) {
            // Below that, a client could be closed for the relay's own answers to it.
            throw new ConfigException("MAX_OUTBOUND_BYTES (" + maxOutbound + ") must be at least twice MAX_PAYLOAD_BYTES (" + maxPayload + ")");
        }
        return new RelayConfig.Socket(
                Duration.ofMillis(intSetting("PING_INTERVAL_MS", env, file.getInteger("pingIntervalMs", (int) d.pingInterval().toMillis()), 50, 3_600_000)),
                Duration.ofMillis(intSetting("PING_TIMEOUT_MS", env, file.getInteger("pingTimeoutMs", (int) d.pingTimeout().toMillis()), 50, 3_600_000)),
                maxPayload,
                Duration.ofMillis(intSetting("UPGRADE_TIMEOUT_MS", env, file.getInteger("upgradeTimeoutMs", (int) d.upgradeTimeout().toMillis()), 50, 600_000)),
                intSetting("MAX_BINARY_ATTACHMENTS", env, file.getInteger("maxBinaryAttachments", d.maxBinaryAttachments()), 0, 1_000),
                // follows the largest message unless set
                intSetting("MAX_BINARY_BYTES", env, file.getInteger("maxBinaryBytes", maxPayload), 1_024, 100_000_000),
                Duration.ofMillis(intSetting("BINARY_PACKET_TIMEOUT_MS", env,
                        file.getInteger("binaryPacketTimeoutMs", (int) d.binaryPacketTimeout().toMillis()), 100, 600_000)),
                maxOutbound);
    }

    private static RelayConfig.Security security(JsonObject file, Map<String, String> env, RelayConfig.Security d) {
        int socketIoPerIp = intSetting("MAX_CONNECTIONS_PER_IP", env, file.getInteger("maxConnectionsPerIp", d.maxConnectionsPerIp()), 0, 1_000_000);
        return new RelayConfig.Security(
                phoneSecretPolicy(file, env, d.phoneSecrets()),
                intSetting("PAIRING_RATE_PER_MINUTE", env, file.getInteger("pairingRequestsPerMinute", d.pairingRequestsPerMinute()), 0, 1_000_000),
                intSetting("SOCKET_EVENTS_PER_SECOND", env, file.getInteger("eventsPerSecond", d.eventsPerSecond()), 1, 1_000_000),
                intSetting("SOCKET_EVENT_BURST", env, file.getInteger("eventBurst", d.eventBurst()), 1, 1_000_000),
                socketIoPerIp,
                seconds("IDENTIFY_TIMEOUT_SECONDS", env, file.getInteger("identifyTimeoutSeconds", (int) d.identifyTimeout().toSeconds()), 3_600),
                intSetting("MAX_TCP_CONNECTIONS_PER_IP", env, file.getInteger("maxTcpConnectionsPerIp",
                        RelayConfig.Security.defaultTcpConnectionsPerIp(socketIoPerIp)), 0, 10_000_000),
                seconds("HTTP_HEADER_TIMEOUT_SECONDS", env, file.getInteger("httpHeaderTimeoutSeconds", (int) d.httpHeaderTimeout().toSeconds()), 3_600),
                seconds("HTTP_IDLE_TIMEOUT_SECONDS", env, file.getInteger("httpIdleTimeoutSeconds", (int) d.httpIdleTimeout().toSeconds()), 86_400),
                seconds("UNPAIRED_PHONE_TIMEOUT_SECONDS", env,
                        file.getInteger("unpairedPhoneTimeoutSeconds", (int) d.unpairedPhoneTimeout().toSeconds()), 30 * 86_400));
    }

    /** A duration in whole seconds, {@code 0} (off) to {@code max}. */
    private static Duration seconds(String name, Map<String, String> env, int fallback, int max) {
        return Duration.ofSeconds(intSetting(name, env, fallback, 0, max));
    }

    /**
     * {@code PHONE_SECRET_POLICY} / {@code security.phoneSecretPolicy}. It replaces {@code ALLOW_LEGACY_PHONES}
     * ({@code security.allowLegacyPhones}), which still works, with a warning: {@code true} admitted phones
     * without their secret, which bind-on-first-use still does for every phone that never presented it;
     * {@code false} demanded it always, which is {@code required}. Both set and disagreeing is refused.
     */
    private static PhoneSecretPolicy phoneSecretPolicy(JsonObject file, Map<String, String> env, PhoneSecretPolicy fallback) {
        PhoneSecretPolicy policy = null;
        String raw = env.get("PHONE_SECRET_POLICY");
        String source = "PHONE_SECRET_POLICY";
        if (raw == null || raw.isBlank()) {
            raw = file.getString("phoneSecretPolicy");
            source = "security.phoneSecretPolicy";
        }
        if (raw != null && !raw.isBlank()) {
            try {
                policy = PhoneSecretPolicy.fromSetting(raw);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source + " " + e.getMessage());
            }
        }
        Boolean legacy = legacySwitch(file, env);
        if (legacy == null) {
            return policy != null ? policy : fallback;
        }
        PhoneSecretPolicy meant = legacy ? PhoneSecretPolicy.BIND_ON_FIRST_USE : PhoneSecretPolicy.REQUIRED;
        if (policy != null && policy != meant) {
            throw new ConfigException("ALLOW_LEGACY_PHONES=" + legacy + " contradicts " + source + "=" + policy.setting()
                    + "; ALLOW_LEGACY_PHONES is replaced by PHONE_SECRET_POLICY: remove it");
        }
        log.warn("ALLOW_LEGACY_PHONES (security.allowLegacyPhones) is replaced by PHONE_SECRET_POLICY (security.phoneSecretPolicy); "
                + "reading {} as PHONE_SECRET_POLICY={}", legacy, meant.setting());
        return meant;
    }

    private static Boolean legacySwitch(JsonObject file, Map<String, String> env) {
        String raw = env.get("ALLOW_LEGACY_PHONES");
        if (raw != null && !raw.isBlank()) {
            return booleanSetting("ALLOW_LEGACY_PHONES", env, false);
        }
        Object inFile = file.getValue("allowLegacyPhones");
        if (inFile == null) {
            return null;
        }
        if (!(inFile instanceof Boolean value)) {
            throw new ConfigException("security.allowLegacyPhones must be true or false, got '" + inFile + "'");
        }
        return value;
    }

    private static RelayConfig.Cluster cluster(JsonObject file, Map<String, String> env, RelayConfig.Cluster d) {
        boolean enabled = booleanSetting("CLUSTER", env, file.getBoolean("enabled", d.enabled()));
        String discoveryName = env.getOrDefault("CLUSTER_DISCOVERY", file.getString("discovery", d.discovery().name())).trim().toUpperCase(java.util.Locale.ROOT);
        RelayConfig.Cluster.Discovery discovery;
        try {
            discovery = RelayConfig.Cluster.Discovery.valueOf(discoveryName);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("CLUSTER_DISCOVERY must be tcp or kubernetes, got '" + discoveryName.toLowerCase(java.util.Locale.ROOT) + "'");
        }
        List<String> members = Arrays.stream(env.getOrDefault("CLUSTER_MEMBERS", file.getString("members", String.join(",", d.members()))).split(","))
                .map(String::trim).filter(m -> !m.isEmpty()).toList();
        String host = env.getOrDefault("CLUSTER_HOST", file.getString("host", d.host())).trim();
        // follows the bound interface unless set
        String publicHost = env.getOrDefault("CLUSTER_PUBLIC_HOST", file.getString("publicHost", host)).trim();
        String serviceDns = blankToNull(env.getOrDefault("KUBERNETES_SERVICE_DNS", file.getString("kubernetesServiceDns", d.kubernetesServiceDns())));
        String serviceName = blankToNull(env.getOrDefault("KUBERNETES_SERVICE_NAME", file.getString("kubernetesServiceName", d.kubernetesServiceName())));
        String namespace = blankToNull(env.getOrDefault("KUBERNETES_NAMESPACE", file.getString("kubernetesNamespace", d.kubernetesNamespace())));
        if (enabled && discovery == RelayConfig.Cluster.Discovery.TCP && members.isEmpty()) {
            throw new ConfigException("CLUSTER_MEMBERS must name at least one member for tcp discovery");
        }
        if (enabled && discovery == RelayConfig.Cluster.Discovery.KUBERNETES && serviceDns == null && serviceName == null) {
            throw new ConfigException("CLUSTER_DISCOVERY=kubernetes needs KUBERNETES_SERVICE_DNS (DNS mode) or KUBERNETES_SERVICE_NAME (API mode)");
        }
        String name = env.getOrDefault("CLUSTER_NAME", file.getString("name", d.name())).trim();
        if (name.isEmpty()) {
            throw new ConfigException("CLUSTER_NAME must not be empty");
        }
        return new RelayConfig.Cluster(enabled, name, discovery, members, host, publicHost,
                intSetting("HAZELCAST_PORT", env, file.getInteger("hazelcastPort", d.hazelcastPort()), 1, 65535),
                intSetting("EVENT_BUS_PORT", env, file.getInteger("eventBusPort", d.eventBusPort()), 0, 65535),
                serviceDns, serviceName, namespace);
    }

    private static boolean booleanSetting(String name, Map<String, String> env, boolean fallback) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        return switch (raw.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigException(name + " must be true or false, got '" + raw + "'");
        };
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static byte[] jwtSecret(String fromEnv, boolean production, Path dataDir) {
        if (fromEnv != null && !fromEnv.isEmpty()) {
            byte[] bytes = fromEnv.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < MIN_SECRET_BYTES) {
                if (production) {
                    throw new ConfigException("JWT_SECRET must be at least " + MIN_SECRET_BYTES + " bytes in production (it has " + bytes.length + ")");
                }
                log.warn("JWT_SECRET is only {} bytes; production requires at least {}", bytes.length, MIN_SECRET_BYTES);
            }
            return bytes;
        }
        if (production) {
            throw new ConfigException("NODE_ENV=production requires JWT_SECRET (at least " + MIN_SECRET_BYTES + " bytes)");
        }
        return developmentSecret(dataDir);
    }

    /**
     * Outside production a missing JWT_SECRET gets a random one kept in the data directory, so that
     * sessions survive restarts but no two installations share a well-known key (the seed's mistake).
     */
    private static byte[] developmentSecret(Path dataDir) {
        Path file = dataDir.resolve("jwt-secret");
        try {
            if (Files.isRegularFile(file)) {
                return Base64.getDecoder().decode(Files.readString(file).trim());
            }
            byte[] secret = new byte[48];
            new SecureRandom().nextBytes(secret);
            Files.createDirectories(dataDir);
            Files.writeString(file, Base64.getEncoder().encodeToString(secret));
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system; the secret is still random
            }
            log.warn("JWT_SECRET not set: generated a development secret in {}", file.toAbsolutePath());
            return secret;
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("JWT_SECRET not set and cannot keep a development secret in " + file.toAbsolutePath() + ": " + e.getMessage());
        }
    }

    private static int intSetting(String name, Map<String, String> env, int fallback, int min, int max) {
        String raw = env.get(name);
        int value;
        if (raw == null || raw.isBlank()) {
            value = fallback;
        } else {
            try {
                value = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(name + " must be a whole number, got '" + raw + "'");
            }
        }
        if (value < min || value > max) {
            throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }
}
