package io.relay.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Long-polling without sticky sessions: every request of one Engine.IO session goes to a different
 * node, as a round-robin balancer would send them, and the session works as if it had one node.
 */
@DisplayName("Polling across a cluster")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PollingForwardingTest {

    private static TestCluster cluster;
    private static Vertx client;
    private static WebClient http;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(3);
        client = Vertx.vertx();
        http = WebClient.create(client);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static HttpResponse<Buffer> call(int node, HttpMethod method, String query, String body) throws Exception {
        var request = http.requestAbs(method, cluster.url(node) + "/socket.io/?EIO=4&transport=polling" + query);
        var future = body == null ? request.send() : request.sendBuffer(Buffer.buffer(body));
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static String sid(HttpResponse<Buffer> handshake) {
        String text = handshake.bodyAsString();
        assertThat(text).startsWith("0{");
        return new JsonObject(text.substring(1)).getString("sid");
    }

    @Test
    @DisplayName("a session opened on one node connects, sends and receives through the two others")
    void sessionSpreadOverNodes() throws Exception {
        String sid = sid(call(0, HttpMethod.GET, "", null));
        String q = "&sid=" + sid;

        assertThat(call(1, HttpMethod.POST, q, "40").bodyAsString()).isEqualTo("ok");
        assertThat(call(2, HttpMethod.GET, q, null).bodyAsString()).startsWith("40{\"sid\":");

        HttpResponse<Buffer> posted = call(2, HttpMethod.POST, q, "42[\"mobile:register\",{\"deviceId\":\"forwarded-phone\"}]");
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(call(1, HttpMethod.GET, q, null).bodyAsString())
                .startsWith("42[\"authenticated\",{\"success\":true,\"deviceSecret\":\"");
    }

    @Test
    @DisplayName("a request for a session whose node is not in the cluster gets the protocol's unknown-sid error at once")
    void ownerGone() throws Exception {
        HttpResponse<Buffer> response = call(1, HttpMethod.GET, "&sid=gone~AAAAAAAAAAAAAAAAAAAAAA", null);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.bodyAsJsonObject()).isEqualTo(new JsonObject().put("code", 1).put("message", "Session ID unknown"));
    }

    @Test
    @DisplayName("an oversized polling body sent through another node is refused with 413 and ends the session on its owner")
    void tooLargeThroughAnotherNode() throws Exception {
        String sid = sid(call(0, HttpMethod.GET, "", null));
        String q = "&sid=" + sid;
        assertThat(call(1, HttpMethod.POST, q, "4" + "x".repeat(1_000_001)).statusCode()).isEqualTo(413);
        Thread.sleep(300);
        HttpResponse<Buffer> after = call(2, HttpMethod.GET, q, null);
        assertThat(after.statusCode()).isEqualTo(400);
    }
}
