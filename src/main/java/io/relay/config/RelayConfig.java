package io.relay.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything a node is configured with, validated once at start-up and passed to constructors.
 * Built by {@link ConfigLoader} from {@code conf/config.json} with the seed's environment variables
 * ({@code PORT, NODE_ENV, JWT_SECRET, DATABASE_URL, CORS_ORIGIN}) taking precedence.
 *
 * @param port        HTTP port for REST and Socket.IO
 * @param host        interface the HTTP server binds to
 * @param nodeEnv     {@code development} or {@code production}; production refuses unsafe defaults
 * @param nodeId      short id of this process, prefixed to Engine.IO session ids and logged on every connection event
 * @param databaseUrl seed-style {@code postgresql://user:pass@host:port/db?schema=...}; empty means "run an embedded PostgreSQL"
 * @param dataDir     where the embedded PostgreSQL (and a generated development JWT secret) live
 * @param corsOrigins exact origins allowed for browser requests; {@code *} allows any
 * @param cluster     whether and how this node joins a cluster of nodes
 * @param drain       how long a SIGTERM may take: sockets are closed so clients reconnect elsewhere, writes finish
 * @param outboxTtl   how long a browser's command waits for an offline phone before the browser is told it failed
 * @param security    phone credentials and abuse limits
 * @param sync        how much of a phone's stored threads a browser's sync is given
 * @param storeFlush  when the group commit sends the writes waiting for it to the database
 */
public record RelayConfig(
        int port,
        String host,
        String nodeEnv,
        String nodeId,
        Optional<String> databaseUrl,
        int databasePoolSize,
        Path dataDir,
        List<String> corsOrigins,
        Jwt jwt,
        Pairing pairing,
        Socket socket,
        Cluster cluster,
        Duration drain,
        Duration outboxTtl,
        Security security,
        Sync sync,
        StoreFlush storeFlush) {

    /**
     * Who may connect and how much.
     *
     * @param phoneSecrets    when a phone must present its device secret: once it has presented it
     *                          ({@link PhoneSecretPolicy#BIND_ON_FIRST_USE}, the default, which the original
     *                          phone app needs: it never keeps the secret), or always ({@link PhoneSecretPolicy#REQUIRED})
     * @param pairingRequestsPerMinute {@code generate-qr} + {@code wait-pairing} calls per client IP and minute
     *                          (also the burst); 0 turns the limit off
     * @param eventsPerSecond   sustained Socket.IO events per connection
     * @param eventBurst        events a connection may send at once before the sustained rate applies
     * @param maxConnectionsPerIp open Socket.IO connections (Engine.IO sessions) per client IP on one node; 0 turns the cap off
     * @param identifyTimeout   how long a Socket.IO connection may stay without {@code mobile:register} or
     *                          {@code web:authenticate} before its transport is closed; zero turns it off
     * @param maxTcpConnectionsPerIp open TCP connections to the HTTP port (HTTP, polling, WebSocket) per client IP
     *                          on one node, counted from accept to close; 0 turns the cap off
     * @param httpHeaderTimeout how long a new TCP connection may take to send a complete request head; zero turns it off
     * @param httpIdleTimeout   how long a kept-alive HTTP connection may stay without a complete next request
     *                          (idle, or trickling one in); zero turns it off. Never applies to a request in progress
     *                          (long-polls) nor to a WebSocket (the Engine.IO heartbeat watches those)
     * @param unpairedPhoneTimeout how long a registered phone with no live browser session keeps its socket; zero
     *                          turns it off
     */
    public record Security(PhoneSecretPolicy phoneSecrets, int pairingRequestsPerMinute, int eventsPerSecond, int eventBurst,
                           int maxConnectionsPerIp, Duration identifyTimeout, int maxTcpConnectionsPerIp,
                           Duration httpHeaderTimeout, Duration httpIdleTimeout, Duration unpairedPhoneTimeout) {
        public static Security defaults() {
            return new Security(PhoneSecretPolicy.BIND_ON_FIRST_USE, 60, 50, 1000, 200, Duration.ofSeconds(30),
                    defaultTcpConnectionsPerIp(200), Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(10));
        }

        /**
         * The TCP cap that goes with a Socket.IO cap when none is set: a polling session holds two
         * connections (the pending GET and a POST) and a third while it upgrades (the WebSocket), and a
         * browser keeps the two HTTP ones open after the upgrade until the idle timeout closes them; plus
         * room for REST calls (a {@code wait-pairing} long-poll holds one for minutes). Off when the
         * Socket.IO cap is off: behind a proxy every client has the proxy's address.
         */
        public static int defaultTcpConnectionsPerIp(int maxConnectionsPerIp) {
            return maxConnectionsPerIp == 0 ? 0 : 3 * maxConnectionsPerIp + 50;
        }

        public Security withPhoneSecrets(PhoneSecretPolicy policy) {
            return new Security(policy, pairingRequestsPerMinute, eventsPerSecond, eventBurst, maxConnectionsPerIp, identifyTimeout,
                    maxTcpConnectionsPerIp, httpHeaderTimeout, httpIdleTimeout, unpairedPhoneTimeout);
        }

        public Security withLimits(int pairingPerMinute, int events, int burst, int connections) {
            return new Security(phoneSecrets, pairingPerMinute, events, burst, connections, identifyTimeout,
                    maxTcpConnectionsPerIp, httpHeaderTimeout, httpIdleTimeout, unpairedPhoneTimeout);
        }

        public Security withIdentifyTimeout(Duration timeout) {
            return new Security(phoneSecrets, pairingRequestsPerMinute, eventsPerSecond, eventBurst, maxConnectionsPerIp, timeout,
                    maxTcpConnectionsPerIp, httpHeaderTimeout, httpIdleTimeout, unpairedPhoneTimeout);
        }

        /** The front door of the HTTP port: TCP connections per IP, and the time a connection may take to send a request. */
        public Security withHttpLimits(int tcpConnectionsPerIp, Duration headerTimeout, Duration idleTimeout) {
            return new Security(phoneSecrets, pairingRequestsPerMinute, eventsPerSecond, eventBurst, maxConnectionsPerIp, identifyTimeout,
                    tcpConnectionsPerIp, headerTimeout, idleTimeout, unpairedPhoneTimeout);
        }

        public Security withUnpairedPhoneTimeout(Duration timeout) {
            return new Security(phoneSecrets, pairingRequestsPerMinute, eventsPerSecond, eventBurst, maxConnectionsPerIp, identifyTimeout,
                    maxTcpConnectionsPerIp, httpHeaderTimeout, httpIdleTimeout, timeout);
        }
    }

    /**
     * What a browser's {@code web:request-sync} is answered with from storage: one {@code messages:sync}
     * per thread, as the web app files them, for the {@code threads} most recently active threads, each
     * its latest {@code messagesPerThread} messages.
     */
    public record Sync(int threads, int messagesPerThread) {
        public static Sync defaults() {
            return new Sync(100, 50);
        }
    }

    /**
     * The group commit: writes of every device and kind wait for each other and go to the database in one
     * flush (one statement per kind, one commit) once {@code maxRows} rows wait or the oldest has waited
     * {@code maxWait}; zero sends what was handed over together at once.
     */
    public record StoreFlush(int maxRows, Duration maxWait) {
        public static StoreFlush defaults() {
            return new StoreFlush(1_000, Duration.ofNanos(1_000_000));
        }
    }

    /** Session tokens: HS256 only; the secret is at least 32 bytes in production. */
    public record Jwt(byte[] secret, String issuer, String audience, Duration sessionTtl) {
    }

    /** QR pairing: how long a generated QR (and the browser's wait-pairing long-poll) stays valid. */
    public record Pairing(Duration qrTtl) {
    }

    /**
     * Engine.IO / Socket.IO transport settings (defaults match Socket.IO 4's server), and the bounds on what
     * one connection may make the node hold.
     *
     * @param maxBinaryAttachments attachments one binary packet may announce; 0 (the default: no event of the
     *                             contract carries binary) refuses binary packets before buffering a byte
     * @param maxBinaryBytes       bytes of attachments one connection may hold while a binary packet is unfinished
     * @param binaryPacketTimeout  time from a binary packet's header to its last attachment
     * @param maxOutboundBytes     bytes one connection may have waiting to be written to its client; past it the
     *                             connection is closed (the client reconnects and resumes)
     */
    public record Socket(Duration pingInterval, Duration pingTimeout, int maxPayloadBytes, Duration upgradeTimeout,
                         int maxBinaryAttachments, int maxBinaryBytes, Duration binaryPacketTimeout, long maxOutboundBytes) {

        public static final int DEFAULT_MAX_BINARY_ATTACHMENTS = 0;
        public static final Duration DEFAULT_BINARY_PACKET_TIMEOUT = Duration.ofSeconds(10);
        /** 8 MiB: eight of the largest messages (1 MB); the original apps' traffic stays far below. */
        public static final long DEFAULT_MAX_OUTBOUND_BYTES = 8L * 1024 * 1024;

        /** The heartbeat and payload settings with the default bounds. */
        public Socket(Duration pingInterval, Duration pingTimeout, int maxPayloadBytes, Duration upgradeTimeout) {
            this(pingInterval, pingTimeout, maxPayloadBytes, upgradeTimeout, DEFAULT_MAX_BINARY_ATTACHMENTS, maxPayloadBytes,
                    DEFAULT_BINARY_PACKET_TIMEOUT, DEFAULT_MAX_OUTBOUND_BYTES);
        }

        public Socket withBinary(int attachments, int bytes, Duration timeout) {
            return new Socket(pingInterval, pingTimeout, maxPayloadBytes, upgradeTimeout, attachments, bytes, timeout, maxOutboundBytes);
        }

        public Socket withMaxOutboundBytes(long bytes) {
            return new Socket(pingInterval, pingTimeout, maxPayloadBytes, upgradeTimeout, maxBinaryAttachments, maxBinaryBytes,
                    binaryPacketTimeout, bytes);
        }

        public Socket withHeartbeat(Duration interval, Duration timeout) {
            return new Socket(interval, timeout, maxPayloadBytes, upgradeTimeout, maxBinaryAttachments, maxBinaryBytes,
                    binaryPacketTimeout, maxOutboundBytes);
        }
    }

    /**
     * Clustering (off by default). With {@code tcp} discovery, Hazelcast finds members in {@code members}
     * (ports tried from {@code hazelcastPort} upwards); with {@code kubernetes}, through a headless service:
     * DNS mode when {@code kubernetesServiceDns} is set, otherwise the API with service name and namespace.
     *
     * @param name          cluster name: only nodes with the same name join each other
     * @param host          interface Hazelcast and the event bus bind to (a pod IP in Kubernetes)
     * @param publicHost    address other nodes reach this one at; defaults to {@code host}
     * @param eventBusPort  0 picks a free port; pin it in Kubernetes so a NetworkPolicy can name it
     */
    public record Cluster(boolean enabled, String name, Discovery discovery, List<String> members, String host, String publicHost,
                          int hazelcastPort, int eventBusPort, String kubernetesServiceDns,
                          String kubernetesServiceName, String kubernetesNamespace) {

        public enum Discovery { TCP, KUBERNETES }

        public static Cluster standalone() {
            return new Cluster(false, "relay", Discovery.TCP, List.of("127.0.0.1"), "127.0.0.1", "127.0.0.1", 5701, 0, null, null, null);
        }

        /** A cluster of nodes on this machine, named so that tests running side by side do not merge. */
        public Cluster enabledOnLoopback(String clusterName) {
            return new Cluster(true, clusterName, Discovery.TCP, List.of("127.0.0.1"), "127.0.0.1", "127.0.0.1", hazelcastPort, 0, null, null, null);
        }
    }

    public boolean production() {
        return "production".equalsIgnoreCase(nodeEnv);
    }

    public RelayConfig withPort(int newPort) {
        return new RelayConfig(newPort, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, pairing, socket, cluster, drain, outboxTtl, security, sync, storeFlush);
    }

    public RelayConfig withDatabaseUrl(String url) {
        return new RelayConfig(port, host, nodeEnv, nodeId, Optional.ofNullable(url), databasePoolSize, dataDir, corsOrigins, jwt, pairing, socket, cluster, drain, outboxTtl, security, sync, storeFlush);
    }

    public RelayConfig withSocket(Socket newSocket) {
        return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, pairing, newSocket, cluster, drain, outboxTtl, security, sync, storeFlush);
    }

    public RelayConfig withPairing(Pairing newPairing) {
        return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, newPairing, socket, cluster, drain, outboxTtl, security, sync, storeFlush);
    }

    public RelayConfig withCluster(Cluster newCluster) {
        return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, pairing, socket, newCluster, drain, outboxTtl, security, sync, storeFlush);
    }

    public RelayConfig withSecurity(Security newSecurity) {
        return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, pairing, socket, cluster, drain, outboxTtl, newSecurity, sync, storeFlush);
    }

    public RelayConfig withCorsOrigins(List<String> origins) {
        return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, origins, jwt, pairing, socket, cluster, drain, outboxTtl, security, sync, storeFlush);
    }

    public RelayConfig withDataDir(Path dir) {
        return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dir, corsOrigins, jwt, pairing, socket, cluster, drain, outboxTtl, security, sync, storeFlush);
    }

    public RelayConfig withOutboxTtl(Duration ttl) {
        return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, pairing, socket, cluster, drain, ttl, security, sync, storeFlush);
    }

    public RelayConfig withSync(Sync newSync) {
        return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, pairing, socket, cluster, drain, outboxTtl, security, newSync, storeFlush);
    }

    public RelayConfig withNodeId(String newNodeId) {
        return new RelayConfig(port, host, nodeEnv, newNodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, pairing, socket, cluster, drain, outboxTtl, security, sync, storeFlush);
    }
}
