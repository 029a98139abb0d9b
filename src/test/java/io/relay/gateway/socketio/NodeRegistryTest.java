package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.relay.gateway.socketio.PollingProtocolTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The open Engine.IO sockets belong to the node that made their registry, not to the JVM: two nodes in one
 * process (as in tests and benchmarks) each count and find only their own, even under the same node id.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Each node's own Engine.IO sockets")
class NodeRegistryTest {

    private final EngineIoRegistry nodeA = new EngineIoRegistry();
    private final EngineIoRegistry nodeB = new EngineIoRegistry();
    private WebClient client;
    private int portA;
    private int portB;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        client = WebClient.create(vertx);
        SocketIoOptions options = EchoVerticle.options(Duration.ofSeconds(25), Duration.ofSeconds(20), 1000);
        portA = PollingProtocolTest.deploy(vertx, options, nodeA);
        portB = PollingProtocolTest.deploy(vertx, options, nodeB);
    }

    @AfterEach
    void stop() {
        client.close();
    }

    @Test
    @DisplayName("a socket is counted per IP by its own node only, and until it closes")
    void countsPerNode() throws Exception {
        String sid = handshake(portA);
        assertThat(nodeA.openFrom("127.0.0.1")).isEqualTo(1);
        assertThat(nodeB.openFrom("127.0.0.1")).isZero();

        HttpResponse<Buffer> closed = await(client.post(portA, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid)
                .sendBuffer(Buffer.buffer("1")));
        assertThat(closed.statusCode()).isEqualTo(200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (nodeA.openFrom("127.0.0.1") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(nodeA.openFrom("127.0.0.1")).isZero();
    }

    @Test
    @DisplayName("another node in the same process does not know the socket, though both have the same node id")
    void otherNodeDoesNotServeIt() throws Exception {
        String sid = handshake(portA);

        HttpResponse<Buffer> elsewhere = await(client.get(portB, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid).send());

        assertThat(elsewhere.statusCode()).isEqualTo(400);
        assertThat(elsewhere.bodyAsJsonObject().getInteger("code")).isEqualTo(1); // Session ID unknown
    }

    private String handshake(int port) throws Exception {
        HttpResponse<Buffer> open = await(client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling").send());
        assertThat(open.statusCode()).isEqualTo(200);
        return new JsonObject(open.bodyAsString().substring(1)).getString("sid");
    }
}
