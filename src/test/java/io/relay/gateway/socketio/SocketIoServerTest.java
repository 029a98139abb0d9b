package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.relay.gateway.socketio.PollingProtocolTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The SocketIoServer API seen by the relay: sockets, acks, disconnect reasons, counting and closing. */
@ExtendWith(VertxExtension.class)
@DisplayName("SocketIoServer")
class SocketIoServerTest {

    private final BlockingQueue<String> reasons = new LinkedBlockingQueue<>();
    private final BlockingQueue<SocketIoSocket> sockets = new LinkedBlockingQueue<>();
    private SocketIoServer server;
    private WebClient client;
    private int port;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        SocketIoOptions options = EchoVerticle.options(Duration.ofSeconds(25), Duration.ofSeconds(20), 10_000);
        server = new SocketIoServer(vertx, options, new EngineIoRegistry()).connectTimeout(Duration.ofMillis(500));
        server.namespace("/custom", socket -> socket.eventHandler(event -> socket.emit("custom-back", event.args().getList().toArray())));
        server.connectionHandler(socket -> {
            sockets.add(socket);
            socket.disconnectHandler(reasons::add);
            socket.eventHandler(event -> {
                if ("ack-twice".equals(event.name())) {
                    event.ack().reply("first");
                    event.ack().reply("second");
                }
            });
        });
        Router router = Router.router(vertx);
        server.mount(router);
        HttpServer http = await(vertx.createHttpServer().requestHandler(router).listen(0));
        port = http.actualPort();
        client = WebClient.create(vertx);
    }

    @AfterEach
    void stop() {
        client.close();
    }

    private String handshake() throws Exception {
        HttpResponse<Buffer> res = await(client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling").send());
        return new JsonObject(res.bodyAsString().substring(1)).getString("sid");
    }

    private String poll(String sid) throws Exception {
        return await(getAsync(sid)).bodyAsString();
    }

    private Future<HttpResponse<Buffer>> getAsync(String sid) {
        return client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid).send();
    }

    private void post(String sid, String body) throws Exception {
        assertThat(await(client.post(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid)
                .sendBuffer(Buffer.buffer(body))).bodyAsString()).isEqualTo("ok");
    }

    private String connect() throws Exception {
        String sid = handshake();
        post(sid, "40{\"token\":\"t\",\"n\":1}");
        assertThat(poll(sid)).startsWith("40{\"sid\":");
        return sid;
    }

    private SocketIoSocket nextSocket() throws InterruptedException {
        SocketIoSocket socket = sockets.poll(5, TimeUnit.SECONDS);
        assertThat(socket).isNotNull();
        return socket;
    }

    @Test
    @DisplayName("gives each socket its ids, transport, auth object and remote address")
    void socketProperties() throws Exception {
        String sid = connect();
        SocketIoSocket socket = nextSocket();
        assertThat(socket.engineSessionId()).isEqualTo(sid);
        assertThat(socket.id()).isNotBlank().isNotEqualTo(sid);
        assertThat(socket.transport()).isEqualTo("polling");
        assertThat(socket.auth()).isEqualTo(new JsonObject().put("token", "t").put("n", 1));
        assertThat(socket.remoteAddress()).isEqualTo("127.0.0.1");
        assertThat(socket.connected()).isTrue();
    }

    @Test
    @DisplayName("serves extra namespaces on the same connection, each with its own socket")
    void customNamespace() throws Exception {
        String sid = connect();
        post(sid, "40/custom,");
        assertThat(poll(sid)).matches("40/custom,\\{\"sid\":\"[A-Za-z0-9_-]+\"}");
        post(sid, "42/custom,[\"hi\",1]");
        assertThat(poll(sid)).isEqualTo("42/custom,[\"custom-back\",1]");
        post(sid, "41/custom,");
        post(sid, "42/custom,[\"hi\",2]");
        post(sid, "425[\"ack-twice\"]");
        assertThat(poll(sid)).as("the left namespace gets nothing, the default one still works").isEqualTo("435[\"first\"]");
    }

    @Test
    @DisplayName("closes a connection that sends no Socket.IO CONNECT within the connect timeout")
    void connectTimeout() throws Exception {
        String sid = handshake();
        long start = System.nanoTime();
        assertThat(poll(sid)).isEqualTo("1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(300));
        assertThat(await(getAsync(sid)).statusCode()).isEqualTo(400);
    }

    @Test
    @DisplayName("refuses an unknown namespace with a CONNECT_ERROR, keeping the connection and its connect timeout")
    void unknownNamespace() throws Exception {
        String sid = handshake();
        long start = System.nanoTime();
        post(sid, "40/random,");
        assertThat(poll(sid)).isEqualTo("44/random,{\"message\":\"Invalid namespace\"}");
        // Still open, and still waiting for a CONNECT that succeeds: the connect timeout ends it.
        assertThat(poll(sid)).isEqualTo("1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(300));

        String other = handshake();
        post(other, "40/random,");
        assertThat(poll(other)).startsWith("44/random,");
        post(other, "40");
        assertThat(poll(other)).as("the connection is still usable").startsWith("40{\"sid\":");
    }

    @Test
    @DisplayName("answers an acknowledgement at most once")
    void ackOnce() throws Exception {
        String sid = connect();
        post(sid, "425[\"ack-twice\"]");
        assertThat(poll(sid)).isEqualTo("435[\"first\"]");
        Future<HttpResponse<Buffer>> next = getAsync(sid);
        Thread.sleep(200);
        assertThat(next.isComplete()).as("nothing more was sent").isFalse();
        post(sid, "1");
    }

    @Test
    @DisplayName("delivers emits from other threads and pre-encoded packets, binary as attachments")
    void emitFromAnyThread() throws Exception {
        String sid = connect();
        SocketIoSocket socket = nextSocket();
        String encoded = SocketIoPackets.encodeEvent("fan-out", new JsonObject().put("k", 1));
        socket.runOnContext(v -> {
            socket.sendEncoded(encoded);
            socket.emit("bin", Buffer.buffer(new byte[]{1, 2, 3}));
        });
        assertThat(poll(sid)).isEqualTo("42[\"fan-out\",{\"k\":1}]\u001e451-[\"bin\",{\"_placeholder\":true,\"num\":0}]\u001ebAQID");
        socket.emit("from-test-thread", 1);
        assertThat(poll(sid)).isEqualTo("42[\"from-test-thread\",1]");
    }

    @Test
    @DisplayName("reports why a socket went: client namespace disconnect, transport close, server namespace disconnect")
    void disconnectReasons() throws Exception {
        String first = connect();
        nextSocket();
        post(first, "41");
        assertThat(reasons.poll(5, TimeUnit.SECONDS)).isEqualTo(DisconnectReason.CLIENT_NAMESPACE_DISCONNECT);

        String second = connect();
        nextSocket();
        post(second, "1");
        assertThat(reasons.poll(5, TimeUnit.SECONDS)).isEqualTo(DisconnectReason.TRANSPORT_CLOSE);

        String third = connect();
        SocketIoSocket socket = nextSocket();
        socket.disconnect();
        assertThat(reasons.poll(5, TimeUnit.SECONDS)).isEqualTo(DisconnectReason.SERVER_NAMESPACE_DISCONNECT);
        // The DISCONNECT packet first, the Engine.IO close in the next response.
        assertThat(poll(third)).isEqualTo("41");
        assertThat(poll(third)).isEqualTo("1");
        assertThat(reasons).isEmpty();
    }

    @Test
    @DisplayName("counts open connections and closes them all on close(), without a Socket.IO DISCONNECT")
    void countAndClose() throws Exception {
        assertThat(server.connectionCount()).isZero();
        String first = connect();
        String second = handshake();
        assertThat(server.connectionCount()).isEqualTo(2);
        Future<HttpResponse<Buffer>> waiting = getAsync(first);
        Thread.sleep(100);
        await(server.close());
        assertThat(await(waiting).bodyAsString()).isEqualTo("1");
        assertThat(reasons.poll(5, TimeUnit.SECONDS)).isEqualTo(DisconnectReason.SERVER_SHUTTING_DOWN);
        assertThat(poll(second)).isEqualTo("1");
        assertThat(server.connectionCount()).isZero();
    }

    @Test
    @DisplayName("serves one polling session from several verticle instances, whichever event loop a request lands on")
    void crossEventLoop(Vertx vertx) throws Exception {
        EngineIoRegistry node = new EngineIoRegistry();
        int shared = PollingProtocolTest.deploy(vertx, EchoVerticle.options(Duration.ofSeconds(25), Duration.ofSeconds(20), 10_000), node);
        // A second deployment on the same port: Vert.x spreads connections over both event loops.
        await(vertx.deployVerticle(() -> new EchoVerticle(
                EchoVerticle.options(Duration.ofSeconds(25), Duration.ofSeconds(20), 10_000), shared, node), new DeploymentOptions()));
        // No keep-alive: every request is a new connection, spread across the instances' event loops.
        WebClient fresh = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false));
        try {
            HttpResponse<Buffer> open = await(fresh.get(shared, "127.0.0.1", "/socket.io/?EIO=4&transport=polling").send());
            String sid = new JsonObject(open.bodyAsString().substring(1)).getString("sid");
            String base = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
            await(fresh.post(shared, "127.0.0.1", base).sendBuffer(Buffer.buffer("40")));
            assertThat(await(fresh.get(shared, "127.0.0.1", base).send()).bodyAsString()).startsWith("40{");
            for (int i = 0; i < 10; i++) {
                await(fresh.post(shared, "127.0.0.1", base).sendBuffer(Buffer.buffer("42[\"echo\"," + i + "]")));
                assertThat(await(fresh.get(shared, "127.0.0.1", base).send()).bodyAsString())
                        .isEqualTo("42[\"echo-back\"," + i + "]");
            }
        } finally {
            fresh.close();
        }
    }
}
