package io.relay.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The load tool's options ({@code java -jar relay-bench.jar --help}). Immutable once parsed. */
public record BenchOptions(
        Mode mode,
        List<URI> urls,
        int pairs,
        int idle,
        List<Integer> rates,
        int webRate,
        Duration duration,
        Duration warmup,
        Duration prewarm,
        int messageSize,
        List<String> sourceAddresses,
        int pairingRate,
        int pairingWarmup,
        int clientThreads,
        double sloP99Millis,
        Path out,
        String label,
        long heapPid,
        List<Long> cpuPids,
        Path pairingStages,
        boolean quiet) {

    /** What the tool talks to. */
    public enum Mode {
        /** Socket.IO apps' protocol with REST pairing: the relay, or the Node/socket.io peer. */
        SOCKETIO,
        /** The raw forwarder ({@code relay-bench.jar forwarder}): Engine.IO framing, pair by id, no storage. */
        FORWARDER
    }

    public static final String HELP = """
            Usage: java -jar relay-bench.jar [options]
                   java -jar relay-bench.jar forwarder [--port P]   (the baseline server for --mode forwarder)
                   java -jar relay-bench.jar seconds FILE.hlog [--slo-p99-ms MS]   (a step of --out, second by second)

            Load tool for the relay: pairs simulated phone+browser pairs through the REST + QR-scan flow,
            holds extra idle connections, and drives messages at a fixed arrival rate (open model: latency
            is measured from each message's intended send time, so a stalled server cannot hide its queue).
            After each step it reads the JVM heap in use that each node reports at GET /metrics (where it has one).

              --url URLS              node URL(s), comma-separated (pair i's phone uses URL i, its browser URL i+1:
                                      with several nodes every message crosses nodes)   [http://127.0.0.1:3000]
              --mode MODE             socketio (the relay or the Node/socket.io peer) or forwarder (the raw
                                      forwarder started with `relay-bench.jar forwarder`)   [socketio]
              --pairs N               phone+browser pairs                               [10]
              --idle N                extra idle connections held open (Socket.IO connected, no events; a relay
                                      closes them after IDENTIFY_TIMEOUT_SECONDS: start it with 0)   [0]
              --rate R[,R2,...]       phone mobile:messages per second in total; a list is a sweep, one step
                                      each (warm-up + duration), stopping once two steps in a row have a
                                      p50 over the SLO or lose messages (saturated)     [1000]
              --web-rate R            browser web:send-message per second in total      [rate/10]
              --duration SECONDS      measured time per step                            [10]
              --warmup SECONDS        unmeasured time before each step                  [3]
              --prewarm SECONDS       unmeasured time at the first step's rate before the first step, for
                                      a freshly started server's JIT                    [0]
              --message-size BYTES    size of each SMS body                             [100]
              --source-addresses A,B  local addresses to bind (e.g. 127.0.0.2,127.0.0.3) so connections are not
                                      limited by one address's ephemeral ports          [none]
              --pairing-rate R        pairings started per second (open model)          [200]
              --pairing-warmup N      the first N pairings of the schedule pair but are not timed: the tool's own
                                      first pairings run its code cold, which a server then pays for too   [0]
              --client-threads N      event loops of the load tool                      [2]
              --slo-p99-ms MS         p99 a step must meet to count for "max rate"      [10]
              --out DIR               write histograms (.hlog, .hgrm), report.md, summary.tsv, PNG plots
              --label NAME            name of the system under test in the report       [mode]
              --heap-pid PID          server to weigh before and after the idle connections, per connection:
                                      live heap (a JVM's, jcmd GC.class_histogram, after a full GC) and RSS
                                      (before: at rest, 5 s after that GC; after: read before it)
              --cpu-pids PID[,PID]    server processes whose CPU time, with all their descendants (PostgreSQL's
                                      backends under its postmaster), is read from /proc around each measured
                                      step: reported as server CPU milliseconds per relayed message
              --pairing-stages FILE   write each pairing's stages to FILE (tab-separated): its intended start (epoch
                                      ms), then in microseconds the start's lag behind it, generate-qr's answer, the
                                      phone's qr:paired and the browser's wait-pairing answer after that, the whole
                                      (every pairing, those of --pairing-warmup too)
              --quiet                 no per-second progress
              --help                  this text

            Exit status: 0 when every message was relayed without errors, 1 otherwise, 2 on bad options.
            """;

    public static BenchOptions parse(String[] args) {
        Mode mode = Mode.SOCKETIO;
        List<URI> urls = List.of(URI.create("http://127.0.0.1:3000"));
        int pairs = 10;
        int idle = 0;
        List<Integer> rates = List.of(1000);
        Integer webRate = null;
        Duration duration = Duration.ofSeconds(10);
        Duration warmup = Duration.ofSeconds(3);
        Duration prewarm = Duration.ZERO;
        int messageSize = 100;
        List<String> sources = List.of();
        int pairingRate = 200;
        int pairingWarmup = 0;
        int threads = 2;
        double slo = 10;
        Path out = null;
        String label = null;
        long heapPid = -1;
        List<Long> cpuPids = List.of();
        Path pairingStages = null;
        boolean quiet = false;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                throw new HelpRequested();
            }
            if (name.equals("--quiet")) {
                quiet = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String value = args[++i];
            switch (name) {
                case "--url" -> urls = split(value).stream().map(BenchOptions::uri).toList();
                case "--mode" -> mode = switch (value) {
                    case "socketio" -> Mode.SOCKETIO;
                    case "forwarder" -> Mode.FORWARDER;
                    default -> throw new IllegalArgumentException("--mode must be socketio or forwarder");
                };
                case "--pairs" -> pairs = positive(name, value, 1);
                case "--idle" -> idle = positive(name, value, 0);
                case "--rate" -> rates = split(value).stream().map(v -> positive(name, v, 1)).toList();
                case "--web-rate" -> webRate = positive(name, value, 0);
                case "--duration" -> duration = seconds(name, value);
                case "--warmup" -> warmup = seconds(name, value);
                case "--prewarm" -> prewarm = seconds(name, value);
                case "--message-size" -> messageSize = positive(name, value, 1);
                case "--source-addresses" -> sources = split(value);
                case "--pairing-rate" -> pairingRate = positive(name, value, 1);
                case "--pairing-warmup" -> pairingWarmup = positive(name, value, 0);
                case "--client-threads" -> threads = positive(name, value, 1);
                case "--slo-p99-ms" -> slo = Double.parseDouble(value);
                case "--out" -> out = Path.of(value);
                case "--label" -> label = value;
                case "--heap-pid" -> heapPid = Long.parseLong(value);
                case "--cpu-pids" -> cpuPids = split(value).stream().map(Long::parseLong).toList();
                case "--pairing-stages" -> pairingStages = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + name + " (see --help)");
            }
        }
        int web = webRate != null ? webRate : Math.max(1, rates.get(0) / 10);
        return new BenchOptions(mode, urls, pairs, idle, rates, web, duration, warmup, prewarm, messageSize, sources,
                pairingRate, pairingWarmup, threads, slo, out, label != null ? label : mode.name().toLowerCase(), heapPid, cpuPids, pairingStages, quiet);
    }

    /** Options for a programmatic run (the smoke test). */
    public static BenchOptions of(String... args) {
        return parse(args);
    }

    private static List<String> split(String value) {
        List<String> parts = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                parts.add(part.trim());
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("empty list: " + value);
        }
        return parts;
    }

    private static URI uri(String value) {
        String withScheme = value.contains("://") ? value : "http://" + value;
        URI uri = URI.create(withScheme.replaceFirst("^ws://", "http://"));
        if (uri.getHost() == null || uri.getPort() <= 0) {
            throw new IllegalArgumentException("--url needs host and port: " + value);
        }
        return uri;
    }

    private static int positive(String name, String value, int min) {
        try {
            int n = Integer.parseInt(value);
            if (n < min) {
                throw new IllegalArgumentException(name + " must be at least " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number: " + value);
        }
    }

    private static Duration seconds(String name, String value) {
        try {
            return Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be seconds: " + value);
        }
    }

    /** Thrown by {@link #parse} for {@code --help}. */
    public static final class HelpRequested extends RuntimeException {
        HelpRequested() {
            super(null, null, false, false);
        }
    }
}
