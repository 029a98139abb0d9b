package io.relay.bench;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;

import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Server memory as the nodes themselves report it: the JVM heap in use, from each node's Prometheus
 * {@code GET /metrics}. Unlike {@code --heap-pid} this needs no access to the server's process, so it
 * works against remote nodes and a whole cluster; it is heap in use (garbage included), not live heap.
 */
final class ServerMetrics {
    static final String HEAP_USED = "jvm_memory_used_bytes";
    private static final long TIMEOUT_SECONDS = 5;

    private ServerMetrics() {
    }

    /** Bytes of heap in use summed over the nodes that answered; -1 when none did (the Node peer, the forwarder). */
    static Future<Long> heapUsed(HttpClient http, List<URI> nodes) {
        List<Future<Long>> answers = nodes.stream().map(node -> heapUsed(http, node)).toList();
        return Future.join(answers).transform(ignored -> {
            long sum = -1;
            for (Future<Long> answer : answers) {
                if (answer.succeeded() && answer.result() >= 0) {
                    sum = Math.max(sum, 0) + answer.result();
                }
            }
            return Future.succeededFuture(sum);
        });
    }

    private static Future<Long> heapUsed(HttpClient http, URI node) {
        // Bounded as a whole: against the Node peer, after a round of pairs whose tool went away, this request once
        // got neither an answer nor a failure, and the run waited on it until it failed.
        return http.request(HttpMethod.GET, node.getPort() > 0 ? node.getPort() : 80, node.getHost(), "/metrics")
                .compose(request -> request.send())
                .compose(response -> response.statusCode() == 200
                        ? response.body().map(ServerMetrics::heapUsedBytes)
                        : drained(response))
                .timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static Future<Long> drained(HttpClientResponse response) {
        return response.body().map(ignored -> -1L);
    }

    /** The sum of the heap pools' {@code jvm_memory_used_bytes} in a Prometheus text exposition; -1 without any. */
    static long heapUsedBytes(Buffer exposition) {
        long sum = -1;
        for (String line : exposition.toString().split("\n")) {
            if (!line.startsWith(HEAP_USED + "{") || !line.contains("area=\"heap\"")) {
                continue;
            }
            String[] afterLabels = line.substring(line.lastIndexOf('}') + 1).trim().split("\\s+");
            try {
                sum = Math.max(sum, 0) + (long) Double.parseDouble(afterLabels[0]);
            } catch (NumberFormatException e) {
                // a sample we cannot read is left out, not guessed
            }
        }
        return sum;
    }
}
