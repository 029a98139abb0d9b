package io.relay.ops;

import io.relay.vocabulary.FailureReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The relay's own Prometheus metrics, next to Vert.x's (HTTP server, event bus, DB pool, JVM) in one
 * registry that {@code /metrics} scrapes.
 *
 * <p>Names follow Prometheus conventions: prefix {@code relay_}, base units (seconds), counters end
 * in {@code _total} (Micrometer adds it), and every label has a small, fixed set of values: event
 * names the relay knows, outcomes and reasons it names itself; never a deviceId, token or body.
 *
 * <p>Built by the node from the Vert.x backend registry when Vert.x was started with
 * {@link #vertxOptions(String)} (as {@code Main} does); otherwise (e.g. a test's plain Vert.x) it keeps
 * its own registry with JVM metrics, so the relay's metrics work either way. Thread-safe.
 */
public final class Metrics {

    /** Buckets of the latency histograms: a relay hop is milliseconds; a slow database shows in the upper ones. */
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};
    /** Buckets of the pairing duration: a person takes seconds to a few minutes to scan (QRs live 5 min). */
    private static final Duration[] PAIRING_BUCKETS = {
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)};

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics; // only when this object bound the JVM metrics itself
    private final boolean ownsRegistry;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    // Counted per relayed message and per browser it reaches: looked up by the one label's value, with no key to build.
    private final ByLabel<Counter> eventsReceived = new ByLabel<>(event ->
            counter("relay.events.received", "Socket.IO events received from clients, by event", "event", event));
    private final ByLabel<Counter> eventsSent = new ByLabel<>(event ->
            counter("relay.events.sent", "Socket.IO events sent to client sockets, by event", "event", event));
    private final ByLabel<Counter> messagesRelayed = new ByLabel<>(direction ->
            counter("relay.messages.relayed", "SMS relayed, by direction (to_web, to_phone)", "direction", direction));
    private final ByLabel<Timer> relayLatency = new ByLabel<>(event ->
            timer("relay.relay.latency", "Time from a client event's arrival to it being relayed, by event", LATENCY_BUCKETS, "event", event));

    // The group commit's flushes (see storeFlush): registered up front, recorded a thousand times a second.
    private final Timer flushCommitted;
    private final Timer flushFailed;
    private final Timer flushWait;
    private final DistributionSummary flushWritesCommitted;
    private final DistributionSummary flushWritesFailed;

    private Metrics(PrometheusMeterRegistry registry, boolean ownsRegistry, boolean bindJvm) {
        this.registry = registry;
        this.ownsRegistry = ownsRegistry;
        flushCommitted = flushDuration("committed");
        flushFailed = flushDuration("failed");
        flushWait = timer("relay.store.flush.wait", "Time the oldest write of a flush waited for the flush to start",
                LATENCY_BUCKETS);
        flushWritesCommitted = flushWrites("committed");
        flushWritesFailed = flushWrites("failed");
        FunctionCounter.builder("relay.fanout.departed", DepartedConsumerFilter.class, c -> DepartedConsumerFilter.departed())
                .description("Phone events that reached a node after the last browser of that phone there had left, dropped "
                        + "(the browsers resume from their last number); per process")
                .register(registry);
        if (bindJvm) {
            new ClassLoaderMetrics().bindTo(registry);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
            gcMetrics = new JvmGcMetrics();
            gcMetrics.bindTo(registry);
        } else {
            gcMetrics = null;
        }
    }

    /** The name of the Vert.x backend registry of the node with this id (one per node, so two nodes in one JVM do not mix). */
    public static String registryName(String nodeId) {
        return "relay-" + nodeId;
    }

    /**
     * Options that switch Vert.x's own metrics on (HTTP server, TCP, pools, JVM), in a Prometheus
     * registry the node then finds by {@link #registryName(String)}. Use when building Vert.x.
     *
     * <p>Not the event bus: Vert.x counts every bus message by resolving its meters in the registry
     * (a tag list built and looked up per send, publish and delivery, and a pending gauge per
     * delivery), which was 7 % of the node's CPU at 5,000 msg/s, for counts the relay's own
     * {@code relay_events_*} and {@code relay_messages_relayed_total} already give per event.
     */
    public static MicrometerMetricsOptions vertxMetricsOptions(String nodeId) {
        return new MicrometerMetricsOptions()
                .setEnabled(true)
                .setDisabledMetricsCategories(Set.of(MetricsDomain.EVENT_BUS.toCategory()))
                .setRegistryName(registryName(nodeId))
                .setJvmMetricsEnabled(true)
                .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    }

    /** {@link VertxOptions} with {@link #vertxMetricsOptions(String)} set. */
    public static VertxOptions vertxOptions(String nodeId) {
        return new VertxOptions().setMetricsOptions(vertxMetricsOptions(nodeId));
    }

    /**
     * The relay's metrics in the Vert.x backend registry of this node if there is one, else in a
     * registry of their own that also carries the JVM metrics Vert.x would have added.
     */
    public static Metrics forVertx(Vertx vertx, String nodeId) {
        if (vertx.isMetricsEnabled() && BackendRegistries.getNow(registryName(nodeId)) instanceof PrometheusMeterRegistry backend) {
            return new Metrics(backend, false, false);
        }
        return new Metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), true, true);
    }

    /** Metrics in a registry of their own and nothing else (for components built without a node, as in unit tests). */
    public static Metrics standalone() {
        return new Metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), true, false);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter (the body of {@code /metrics}). */
    public PrometheusMeterRegistry prometheus() {
        return registry;
    }

    // --- connections -----------------------------------------------------------------------------

    /** A Socket.IO connection was accepted. */
    public void connectionOpened() {
        counter("relay.connections.opened", "Socket.IO connections accepted").increment();
    }

    /** A socket went; {@code kind} is phone, web or anonymous, {@code reason} a Socket.IO disconnect reason. */
    public void connectionClosed(String kind, String reason) {
        counter("relay.connections.closed", "Socket.IO connections closed, by kind and reason", "kind", kind, "reason", reason).increment();
    }

    /** Registers the gauge of open connections of one kind on one transport. */
    public <T> void connectionsGauge(String kind, String transport, T state, java.util.function.ToDoubleFunction<T> count) {
        Gauge.builder("relay.connections", state, count)
                .description("Open Socket.IO connections on this node, by kind (phone, web, anonymous) and transport")
                .tags("kind", kind, "transport", transport)
                .strongReference(true)
                .register(registry);
    }

    /**
     * Registers the gauge of open TCP connections to the HTTP port (HTTP, polling and WebSocket alike). A later
     * call replaces the gauge: the node's servers share one count, and the warm-up's server, gone once it is
     * done, must not stay what the gauge reads.
     */
    public void httpConnectionsGauge(Supplier<Number> open) {
        removeGauges("relay.http.connections");
        Gauge.builder("relay.http.connections", open)
                .description("Open TCP connections to the HTTP port on this node (HTTP, polling and WebSocket)")
                .strongReference(true)
                .register(registry);
    }

    /** Registers {@code relay_outbound_buffered_bytes}: bytes waiting to be written to this node's clients (replacing an earlier source, as above). */
    public void outboundBytesGauge(Supplier<Number> bytes) {
        removeGauges("relay.outbound.buffered");
        Gauge.builder("relay.outbound.buffered", bytes)
                .description("Bytes waiting to be written to the clients of this node's Socket.IO connections")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
    }

    /**
     * The front door closed a TCP connection: {@code header_timeout} (no complete request head in time),
     * {@code idle_timeout} (a kept-alive connection without a next request in time) or {@code per_ip_cap}
     * (closed at accept: the client IP held its allowance already).
     */
    public void httpConnectionClosed(String reason) {
        counter("relay.http.connections.closed", "TCP connections closed by the front door, by reason", "reason", reason).increment();
    }

    // --- events ----------------------------------------------------------------------------------

    /** A client event arrived ({@code event} is a known event name or {@code unknown}). */
    public void eventReceived(String event) {
        eventsReceived.get(event).increment();
    }

    /** An event was sent to one client socket. */
    public void eventSent(String event) {
        eventsSent.get(event).increment();
    }

    /** SMS carried: {@code to_web} counts stored messages published to browsers, {@code to_phone} send requests handed to the phone. */
    public void messagesRelayed(String direction, int count) {
        messagesRelayed.get(direction).increment(count);
    }

    /** Time from a client event's arrival to it being relayed (stored and published, or delivered to the phone's socket). */
    public void relayLatency(String event, long nanos) {
        relayLatency.get(event).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A client event was refused or failed, or its connection closed for a bound it broke. */
    public void error(FailureReason reason) {
        counter("relay.errors", "Client events refused or failed, by reason", "reason", reason.code()).increment();
    }

    /**
     * A phone was admitted by {@code mobile:register}: {@code issued} (first register, handed a secret),
     * {@code secret} (presented its secret) or {@code legacy} (admitted without it, see the phone-secret policy).
     */
    public void phoneRegistered(String credential) {
        counter("relay.phone.registers", "Phones admitted by mobile:register, by credential (issued, secret, legacy)",
                "credential", credential).increment();
    }

    // --- pairing ---------------------------------------------------------------------------------

    public void qrGenerated() {
        counter("relay.pairing.qr.generated", "QR codes generated").increment();
    }

    /** A phone scanned a QR: {@code paired}, {@code invalid_qr}, {@code bad_request} or {@code error}. */
    public void pairingScan(String outcome) {
        counter("relay.pairing.scans", "QR scans by phones, by outcome", "outcome", outcome).increment();
    }

    /** A browser's wait-pairing long-poll ended: {@code paired}, {@code timeout}, {@code already_collected}, {@code unknown_token}, {@code cancelled}, ... */
    public void pairingWait(String outcome) {
        counter("relay.pairing.waits", "wait-pairing long-polls ended, by outcome", "outcome", outcome).increment();
    }

    /** Time from a QR's creation to the phone's successful scan. */
    public void pairingDuration(Duration duration) {
        timer("relay.pairing.duration", "Time from QR generation to a successful scan", PAIRING_BUCKETS).record(duration);
    }

    // --- later -----------------------------------------------------------------------------------

    /**
     * Registers {@code relay_outbox_depth}: web-to-phone sends waiting for their phone. For the outbox,
     * which does not exist yet; it calls this once with a cheap supplier.
     */
    public void outboxDepth(Supplier<Number> depth) {
        Gauge.builder("relay.outbox.depth", depth)
                .description("Web-to-phone sends waiting in the outbox for their phone")
                .strongReference(true)
                .register(registry);
    }

    /** Registers a 0/1 gauge of whether the node is draining (refusing readiness before it stops). */
    public void drainingGauge(java.util.function.BooleanSupplier draining) {
        Gauge.builder("relay.node.draining", () -> draining.getAsBoolean() ? 1 : 0)
                .description("1 while this node is draining before shutdown")
                .strongReference(true)
                .register(registry);
    }

    /**
     * One flush of the group commit, for the operator who must tell a slow database from a slow node:
     * how long the oldest write in it waited for the flush to start (the batching window, or every
     * connection busy), how long the database took, and how many writes one commit carried. The node hands
     * this to storage as its flush observer.
     */
    public void storeFlush(int writes, long waitedNanos, long tookNanos, boolean committed) {
        (committed ? flushCommitted : flushFailed).record(tookNanos, TimeUnit.NANOSECONDS);
        (committed ? flushWritesCommitted : flushWritesFailed).record(writes);
        flushWait.record(waitedNanos, TimeUnit.NANOSECONDS);
    }

    /** Releases what this object bound itself (the GC listeners); the backend registry is Vert.x's to close. */
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (gcMetrics != null) {
            gcMetrics.close();
        }
        if (ownsRegistry) {
            registry.close();
        }
    }

    private Counter counter(String name, String description, String... tags) {
        return counters.computeIfAbsent(key(name, tags),
                k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    private Timer flushDuration(String outcome) {
        return timer("relay.store.flush.duration", "Time the database took for one flush of the group commit, by outcome",
                LATENCY_BUCKETS, "outcome", outcome);
    }

    private DistributionSummary flushWrites(String outcome) {
        return DistributionSummary.builder("relay.store.flush.writes")
                .description("Writes (callers answered) carried by one flush of the group commit, by outcome")
                .tags("outcome", outcome)
                .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
                .register(registry);
    }

    private Timer timer(String name, String description, Duration[] buckets, String... tags) {
        return timers.computeIfAbsent(key(name, tags), k -> Timer.builder(name).description(description).tags(tags)
                .serviceLevelObjectives(buckets)
                .minimumExpectedValue(buckets[0])
                .maximumExpectedValue(buckets[buckets.length - 1])
                .register(registry));
    }

    private void removeGauges(String name) {
        registry.find(name).gauges().forEach(registry::remove);
    }

    /** The meters of one name with one label, by the label's value. */
    private static final class ByLabel<M> {
        private final Map<String, M> meters = new ConcurrentHashMap<>();
        private final java.util.function.Function<String, M> create;

        ByLabel(java.util.function.Function<String, M> create) {
            this.create = create;
        }

        M get(String value) {
            M meter = meters.get(value);
            return meter != null ? meter : meters.computeIfAbsent(value, create);
        }
    }

    private static String key(String name, String... tags) {
        return tags.length == 0 ? name : name + '|' + String.join("|", tags);
    }
}
