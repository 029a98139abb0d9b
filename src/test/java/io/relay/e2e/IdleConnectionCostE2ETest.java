package io.relay.e2e;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an idle Socket.IO connection keeps on the heap, counted in live objects of this JVM (the node
 * runs in it; the clients are the JDK's WebSocket, so no Vert.x client object is counted). The figures
 * per byte are in BENCHMARKS.md; this pins the part the relay controls.
 */
@DisplayName("An idle Socket.IO connection")
class IdleConnectionCostE2ETest {
    private static final int CONNECTIONS = 150; // under the default per-address cap of 200
    /** Netty's shaded JCTools queue, and its variant when Unsafe is unavailable; first chunk 1,024 slots. */
    private static final List<String> MPSC_QUEUES = List.of(
            "io.netty.util.internal.shaded.org.jctools.queues.MpscUnboundedArrayQueue",
            "io.netty.util.internal.shaded.org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue");
    /** The relay's own WebSocket, which takes the channel over from Vert.x after the handshake. */
    private static final String WEBSOCKET = "io.relay.gateway.engineio.NettyWebSocket";
    /** What Vert.x keeps of a WebSocket it runs: the WebSocket, its connection, and the HTTP/1 connection it was upgraded from. */
    private static final List<String> VERTX_CONNECTIONS = List.of(
            "io.vertx.core.http.impl.ServerWebSocketImpl",
            "io.vertx.core.http.impl.WebSocketConnectionImpl",
            "io.vertx.core.http.impl.Http1xServerConnection");
    private static final String HEADER_ENTRY = "io.vertx.core.http.impl.headers.HeadersMultiMap$MapEntry";

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(config -> config.toBuilder().security(s -> s.identifyTimeout(Duration.ZERO)).build());

    @Test
    @DisplayName("keeps no 4 KiB multi-producer write queue: neither its WebSocket's nor the HTTP/1 connection's it was upgraded from")
    void keepsNoWriteQueue() throws Exception {
        Map<String, Long> kept = keptByIdleConnections();
        long queues = MPSC_QUEUES.stream().mapToLong(name -> kept.getOrDefault(name, 0L)).sum();
        assertThat(queues).as("MPSC write queues kept for %d idle connections", CONNECTIONS)
                .isLessThanOrEqualTo(CONNECTIONS / 10);
    }

    @Test
    @DisplayName("keeps nothing of Vert.x's connection objects once its WebSocket runs on the relay's own handler")
    void keepsNoVertxConnection() throws Exception {
        Map<String, Long> kept = keptByIdleConnections();
        for (String vertxClass : VERTX_CONNECTIONS) {
            assertThat(kept.getOrDefault(vertxClass, 0L)).as("%s kept for %d idle connections", vertxClass, CONNECTIONS)
                    .isLessThanOrEqualTo(CONNECTIONS / 10);
        }
    }

    @Test
    @DisplayName("keeps none of its upgrade request's headers and query parameters, which Vert.x holds on to for the connection's life")
    void keepsNoneOfItsUpgradeRequest() throws Exception {
        // Each upgrade request brings 8 header and parameter entries (about 1.1 KiB with their text), which Vert.x's
        // WebSocket kept reachable for the connection's life; one entry in ten connections leaves room for whatever else of the node happens to hold one.
        Map<String, Long> kept = keptByIdleConnections();
        assertThat(kept.getOrDefault(HEADER_ENTRY, 0L)).as("header and parameter entries kept for %d idle connections", CONNECTIONS)
                .isLessThanOrEqualTo(CONNECTIONS / 10);
    }

    /** Opens {@link #CONNECTIONS} idle WebSocket connections and answers the live instances they added, per class. */
    private Map<String, Long> keptByIdleConnections() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create(relay.url().replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket");
        Map<String, Long> before = liveInstances();

        List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            CompletableFuture<String> open = new CompletableFuture<>();
            sockets.add(http.newWebSocketBuilder().buildAsync(uri, new FirstText(open)).get(30, TimeUnit.SECONDS));
            assertThat(open.get(30, TimeUnit.SECONDS)).as("Engine.IO open packet").startsWith("0{");
        }
        // Idle: past the HTTP connection guard's sweep (once a second), which lets go of an upgraded connection.
        Thread.sleep(2_500);
        Map<String, Long> after = liveInstances();
        for (WebSocket socket : sockets) {
            socket.abort();
        }

        Map<String, Long> kept = new HashMap<>();
        after.forEach((name, count) -> kept.put(name, count - before.getOrDefault(name, 0L)));
        assertThat(kept.getOrDefault(WEBSOCKET, 0L)).as("the connections are held while counted").isGreaterThanOrEqualTo(CONNECTIONS);
        return kept;
    }

    @Test
    @DisplayName("declines WebSocket compression, which the official client and browsers offer: as the original's socket.io, and no ~100 KiB of zlib state per connection")
    void declinesCompression() throws Exception {
        JsonObject result = NodeScript.assertPasses("relay-compression.js", Duration.ofSeconds(60), relay.url());

        assertThat(result.getString("transport")).isEqualTo("websocket");
        assertThat(result.getBoolean("offered")).as("the client offers permessage-deflate").isTrue();
        assertThat(result.getString("negotiated")).as("extensions the relay accepted").isEmpty();
    }

    /** Live (reachable, after a full GC) instances per class: what {@code jcmd PID GC.class_histogram} prints. */
    private static Map<String, Long> liveInstances() throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, Long> instances = new HashMap<>();
        for (String line : histogram.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            // "  12:   3000   96000  io.vertx.Foo (module)"
            if (columns.length >= 4 && columns[0].endsWith(":")) {
                instances.merge(columns[3], Long.parseLong(columns[1]), Long::sum);
            }
        }
        return instances;
    }

    /** Completes with the first text message (the Engine.IO open packet) and otherwise stays silent. */
    private record FirstText(CompletableFuture<String> first) implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            first.complete(data.toString());
            socket.request(1);
            return null;
        }
    }
}
