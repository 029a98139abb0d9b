package io.relay.config;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Everything a node is configured with, validated once at start-up and passed to constructors.
 * Built by {@link ConfigLoader} from {@link #defaults()}, {@code conf/config.json} and the environment
 * (the seed's variables {@code PORT, NODE_ENV, JWT_SECRET, DATABASE_URL, CORS_ORIGIN} among them), each
 * overriding the one before; tests change a few settings with {@link #toBuilder()}.
 *
 * @param port        HTTP port for REST and Socket.IO
 * @param host        interface the HTTP server binds to
 * @param nodeEnv     {@code development} or {@code production}; production refuses unsafe defaults
 * @param nodeId      short id of this process, prefixed to Engine.IO socket ids (sid) and logged on every connection event
 * @param databaseUrl seed-style {@code postgresql://user:pass@host:port/db?schema=...}; empty means "run an embedded PostgreSQL"
 * @param dataDir     where the embedded PostgreSQL (and a generated development JWT secret) live
 * @param corsOrigins exact origins allowed for browser requests; {@code *} allows any
 * @param cluster     whether and how this node joins a cluster of nodes
 * @param drain       how long a SIGTERM may take: sockets are closed so clients reconnect elsewhere, writes finish
 * @param outboxTtl   how long a browser's command waits for an offline phone before the browser is told it failed
 * @param security    phone credentials and abuse limits
 * @param sync        how much of a phone's stored threads a browser's sync is given
 * @param storeFlush  when the group commit sends the writes waiting for it to the database
 * @param warmup      longest a starting node drives pairings and messages through its own code on a loopback
 *                    port before it listens (it stops earlier once the JIT compiler has caught up); zero skips it
 * @param eventLoops  Vert.x event loops, and HTTP verticle instances on them; zero: one per two CPUs, at least one
 *                    ({@link #effectiveEventLoops()})
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
        StoreFlush storeFlush,
        Duration warmup,
        int eventLoops) {

    /**
     * The event loops a node runs: {@link #eventLoops} when set, else one per two CPUs and at least one. Every
     * socket, timer and database connection of the node lives on one of them, and work handed from one loop to
     * another wakes a thread on another CPU: on a 2-CPU machine one loop for everything cost the JVM a quarter
     * less CPU per message than Vert.x's default of two loops per CPU, at the same throughput (BENCHMARKS.md,
     * 2026-12-05, third session). The CPUs left over run the collector, the JIT compiler and Hazelcast.
     */
    public int effectiveEventLoops() {
        return eventLoops > 0 ? eventLoops : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

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
     * @param maxConnectionsPerIp open Socket.IO connections (Engine.IO sockets) per client IP on one node; 0 turns the cap off
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
            return new Builder().build();
        }

        /**
         * The TCP cap that goes with a Socket.IO cap when none is set: a polling socket holds two
         * connections (the pending GET and a POST) and a third while it upgrades (the WebSocket), and a
         * browser keeps the two HTTP ones open after the upgrade until the idle timeout closes them; plus
         * room for REST calls (a {@code wait-pairing} long-poll holds one for minutes). Off when the
         * Socket.IO cap is off: behind a proxy every client has the proxy's address.
         */
        public static int defaultTcpConnectionsPerIp(int maxConnectionsPerIp) {
            return maxConnectionsPerIp == 0 ? 0 : 3 * maxConnectionsPerIp + 50;
        }

        public Builder toBuilder() {
            return new Builder(this);
        }

        /** Holds the security settings; a new one the defaults. */
        public static final class Builder {
            private PhoneSecretPolicy phoneSecrets = PhoneSecretPolicy.BIND_ON_FIRST_USE;
            private int pairingRequestsPerMinute = 60;
            private int eventsPerSecond = 50;
            private int eventBurst = 1000;
            private int maxConnectionsPerIp = 200;
            private Duration identifyTimeout = Duration.ofSeconds(30);
            private int maxTcpConnectionsPerIp = defaultTcpConnectionsPerIp(200);
            private Duration httpHeaderTimeout = Duration.ofSeconds(10);
            private Duration httpIdleTimeout = Duration.ofSeconds(60);
            private Duration unpairedPhoneTimeout = Duration.ofMinutes(10);

            private Builder() {
            }

            private Builder(Security s) {
                phoneSecrets = s.phoneSecrets; pairingRequestsPerMinute = s.pairingRequestsPerMinute; eventsPerSecond = s.eventsPerSecond;
                eventBurst = s.eventBurst; maxConnectionsPerIp = s.maxConnectionsPerIp; identifyTimeout = s.identifyTimeout;
                maxTcpConnectionsPerIp = s.maxTcpConnectionsPerIp; httpHeaderTimeout = s.httpHeaderTimeout; httpIdleTimeout = s.httpIdleTimeout;
                unpairedPhoneTimeout = s.unpairedPhoneTimeout;
            }

            public Builder phoneSecrets(PhoneSecretPolicy value) { phoneSecrets = value; return this; }
            public Builder pairingRequestsPerMinute(int value) { pairingRequestsPerMinute = value; return this; }
            public Builder eventsPerSecond(int value) { eventsPerSecond = value; return this; }
            public Builder eventBurst(int value) { eventBurst = value; return this; }
            /** The Socket.IO cap alone: the TCP cap stays as it is. */
            public Builder maxConnectionsPerIp(int value) { maxConnectionsPerIp = value; return this; }
            public Builder identifyTimeout(Duration value) { identifyTimeout = value; return this; }
            public Builder maxTcpConnectionsPerIp(int value) { maxTcpConnectionsPerIp = value; return this; }
            public Builder httpHeaderTimeout(Duration value) { httpHeaderTimeout = value; return this; }
            public Builder httpIdleTimeout(Duration value) { httpIdleTimeout = value; return this; }
            public Builder unpairedPhoneTimeout(Duration value) { unpairedPhoneTimeout = value; return this; }

            public Security build() {
                return new Security(phoneSecrets, pairingRequestsPerMinute, eventsPerSecond, eventBurst, maxConnectionsPerIp, identifyTimeout,
                        maxTcpConnectionsPerIp, httpHeaderTimeout, httpIdleTimeout, unpairedPhoneTimeout);
            }
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
     * flush (one statement per kind, one commit) once {@code maxRows} rows wait or one has waited its window:
     * {@code behindWait} for a phone event's log append, which is relayed before it is written (only the
     * phone's ack waits for it), {@code maxWait} for every other write (a browser's send, a command handed to
     * the phone: someone waits on it). Zero sends what was handed over together at once. The phone events
     * also go as soon as {@code behindBatch} of them wait. A browser's command waits up to {@code commandWait}
     * (never less than {@code maxWait}) while phone events wait, so as to share their commit.
     */
    public record StoreFlush(int maxRows, Duration maxWait, Duration behindWait, int behindBatch, Duration commandWait) {
        /**
         * 2 ms for writes someone waits on: a commit costs the database about the same whether it carries two
         * writes or fifteen, so the window is what sets the CPU per write; from 1 to 2 ms it cut that by a third
         * for 0.3 ms more median latency (BENCHMARKS.md, 2026-12-03). Phone events are written behind their
         * relay, which no browser waits for (BENCHMARKS.md, relay first): up to 20 ms or 200 events, whichever
         * comes first. Below 10,000 events a second the 20 ms window, which only the phone's ack waits for,
         * gathers what it can (BENCHMARKS.md, 2026-12-04 night: 6-15 % less CPU per message at 1,500 msg/s
         * than 10 ms). Above it the count sends them: 200 a flush instead of 50 took a sixth off the CPU per
         * message at 5,000 and 20,000 msg/s (a flush has a cost of its own, its commit among it, and bumps a
         * device's row once however many of its events it holds); 500 saved little more and made flushes long
         * enough to show in the relay's p99 (BENCHMARKS.md, 2026-12-05, sixth session). A browser's command
         * rides with the phone events waiting for up to their own 20 ms: its own flush was half the node's
         * commits (BENCHMARKS.md, 2026-12-05, fifth session).
         */
        public static StoreFlush defaults() {
            return new StoreFlush(1_000, Duration.ofNanos(2_000_000), Duration.ofMillis(20), 200, Duration.ofMillis(20));
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

        public static Socket defaults() {
            return new Builder().build();
        }

        public Builder toBuilder() {
            return new Builder(this);
        }

        /** Holds the socket settings; a new one the defaults, Socket.IO 4's server's where it has one. */
        public static final class Builder {
            private Duration pingInterval = Duration.ofMillis(25_000);
            private Duration pingTimeout = Duration.ofMillis(60_000);
            private int maxPayloadBytes = 1_000_000;
            private Duration upgradeTimeout = Duration.ofMillis(10_000);
            private int maxBinaryAttachments = 0;
            private int maxBinaryBytes = maxPayloadBytes;
            private Duration binaryPacketTimeout = Duration.ofSeconds(10);
            /** 8 MiB: eight of the largest messages (1 MB); the original apps' traffic stays far below. */
            private long maxOutboundBytes = 8L * 1024 * 1024;

            private Builder() {
            }

            private Builder(Socket s) {
                pingInterval = s.pingInterval; pingTimeout = s.pingTimeout; maxPayloadBytes = s.maxPayloadBytes; upgradeTimeout = s.upgradeTimeout;
                maxBinaryAttachments = s.maxBinaryAttachments; maxBinaryBytes = s.maxBinaryBytes; binaryPacketTimeout = s.binaryPacketTimeout;
                maxOutboundBytes = s.maxOutboundBytes;
            }

            public Builder pingInterval(Duration value) { pingInterval = value; return this; }
            public Builder pingTimeout(Duration value) { pingTimeout = value; return this; }
            /** The largest message alone: the binary bound stays as it is. */
            public Builder maxPayloadBytes(int value) { maxPayloadBytes = value; return this; }
            public Builder upgradeTimeout(Duration value) { upgradeTimeout = value; return this; }
            public Builder maxBinaryAttachments(int value) { maxBinaryAttachments = value; return this; }
            public Builder maxBinaryBytes(int value) { maxBinaryBytes = value; return this; }
            public Builder binaryPacketTimeout(Duration value) { binaryPacketTimeout = value; return this; }
            public Builder maxOutboundBytes(long value) { maxOutboundBytes = value; return this; }

            public Socket build() {
                return new Socket(pingInterval, pingTimeout, maxPayloadBytes, upgradeTimeout, maxBinaryAttachments, maxBinaryBytes,
                        binaryPacketTimeout, maxOutboundBytes);
            }
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

    /** The configuration of an operator who sets nothing, but with a random node id and no JWT secret: see {@link Builder}. */
    public static RelayConfig defaults() {
        return builder().build();
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to change a few settings of it. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Builds a {@link RelayConfig}. A new one holds the defaults, the one place they are written: the
     * loader falls back to them for every setting neither {@code conf/config.json} nor the environment sets,
     * and the configuration table of the docs is checked against what the loader makes of them. Only the
     * node id (random) and the JWT secret (none: the loader supplies it) are not settings' defaults.
     */
    public static final class Builder {
        private int port = 3000;
        private String host = "0.0.0.0";
        private String nodeEnv = "development";
        private String nodeId = randomNodeId();
        private Optional<String> databaseUrl = Optional.empty();
        private int databasePoolSize = 8;
        private Path dataDir = Path.of("./data");
        // The original web app's development origin: the original apps work with the defaults.
        private List<String> corsOrigins = List.of("http://localhost:5173");
        private Jwt jwt = new Jwt(new byte[0], "relay", "relay-web", Duration.ofDays(30));
        private Pairing pairing = new Pairing(Duration.ofMinutes(5));
        private Socket socket = Socket.defaults();
        private Cluster cluster = Cluster.standalone();
        private Duration drain = Duration.ofSeconds(20);
        private Duration outboxTtl = Duration.ofMinutes(10);
        private Security security = Security.defaults();
        private Sync sync = Sync.defaults();
        private StoreFlush storeFlush = StoreFlush.defaults();
        // A fresh JVM runs interpreted and C1 code for its first tens of seconds of traffic, and compiles with
        // a core of its own meanwhile: the first users after a deploy would pay for it (see BENCHMARKS.md).
        private Duration warmup = Duration.ofSeconds(60);
        private int eventLoops = 0;

        private Builder() {
        }

        private Builder(RelayConfig c) {
            port = c.port; host = c.host; nodeEnv = c.nodeEnv; nodeId = c.nodeId; databaseUrl = c.databaseUrl;
            databasePoolSize = c.databasePoolSize; dataDir = c.dataDir; corsOrigins = c.corsOrigins; jwt = c.jwt; pairing = c.pairing;
            socket = c.socket; cluster = c.cluster; drain = c.drain; outboxTtl = c.outboxTtl; security = c.security; sync = c.sync;
            storeFlush = c.storeFlush; warmup = c.warmup; eventLoops = c.eventLoops;
        }

        public Builder port(int value) { port = value; return this; }
        public Builder host(String value) { host = value; return this; }
        public Builder nodeEnv(String value) { nodeEnv = value; return this; }
        public Builder nodeId(String value) { nodeId = value; return this; }
        public Builder databaseUrl(String value) { databaseUrl = Optional.ofNullable(value); return this; }
        public Builder databasePoolSize(int value) { databasePoolSize = value; return this; }
        public Builder dataDir(Path value) { dataDir = value; return this; }
        public Builder corsOrigins(List<String> value) { corsOrigins = value; return this; }
        public Builder jwt(Jwt value) { jwt = value; return this; }
        public Builder pairing(Pairing value) { pairing = value; return this; }
        public Builder socket(Socket value) { socket = value; return this; }
        /** Changes some of the socket settings held so far. */
        public Builder socket(UnaryOperator<Socket.Builder> change) { socket = change.apply(socket.toBuilder()).build(); return this; }
        public Builder cluster(Cluster value) { cluster = value; return this; }
        public Builder drain(Duration value) { drain = value; return this; }
        public Builder outboxTtl(Duration value) { outboxTtl = value; return this; }
        public Builder security(Security value) { security = value; return this; }
        /** Changes some of the security settings held so far. */
        public Builder security(UnaryOperator<Security.Builder> change) { security = change.apply(security.toBuilder()).build(); return this; }
        public Builder sync(Sync value) { sync = value; return this; }
        public Builder storeFlush(StoreFlush value) { storeFlush = value; return this; }
        public Builder warmup(Duration value) { warmup = value; return this; }
        public Builder eventLoops(int value) { eventLoops = value; return this; }

        public RelayConfig build() {
            return new RelayConfig(port, host, nodeEnv, nodeId, databaseUrl, databasePoolSize, dataDir, corsOrigins, jwt, pairing,
                    socket, cluster, drain, outboxTtl, security, sync, storeFlush, warmup, eventLoops);
        }
    }

    private static String randomNodeId() {
        byte[] id = new byte[4];
        new SecureRandom().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }
}
