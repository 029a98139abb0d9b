package io.relay.bench;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The load tool's reading of a node's /metrics")
class ServerMetricsTest {

    @Test
    @DisplayName("adds up the heap pools' jvm_memory_used_bytes and leaves out non-heap pools and other metrics")
    void sumsTheHeapPools() {
        Buffer exposition = Buffer.buffer("""
                # HELP jvm_memory_used_bytes The amount of used memory
                # TYPE jvm_memory_used_bytes gauge
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space",} 1.2E7
                jvm_memory_used_bytes{area="nonheap",id="Metaspace",} 5.0E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 3000000.0
                jvm_memory_max_bytes{area="heap",id="G1 Old Gen",} 9.0E9
                relay_connections{kind="web",transport="websocket",} 4.0
                """);

        assertThat(ServerMetrics.heapUsedBytes(exposition)).isEqualTo(15_000_000L);
    }

    @Test
    @DisplayName("answers -1 for an exposition without JVM heap metrics, as from a server that is not a JVM")
    void noHeapMetrics() {
        assertThat(ServerMetrics.heapUsedBytes(Buffer.buffer("process_cpu_seconds_total 1.5\n"))).isEqualTo(-1);
        assertThat(ServerMetrics.heapUsedBytes(Buffer.buffer("<html>not found</html>"))).isEqualTo(-1);
    }
}
