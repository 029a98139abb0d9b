package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoRegistry;
import io.vertx.core.Future;
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

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Engine.IO long-polling spoken by hand over HTTP, as the conformance suite does. The test thread
 * (never an event loop) waits on each response to keep the protocol steps readable in order.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Engine.IO polling")
class PollingProtocolTest {

    static final int MAX_PAYLOAD = 1000;
    static final String RS = "\u001e";

    private Vertx vertx;
    private WebClient client;
    private int port;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.client = WebClient.create(vertx);
        this.port = deploy(vertx, EchoVerticle.options(Duration.ofMillis(25_000), Duration.ofMillis(20_000), MAX_PAYLOAD));
    }

    @AfterEach
    void stop() {
        client.close();
    }

    static int deploy(Vertx vertx, SocketIoOptions options) throws Exception {
        return deploy(vertx, options, new EngineIoRegistry());
    }

    /** Deploys an echo server on a free port as an instance of the node whose sockets {@code node} holds. */
    static int deploy(Vertx vertx, SocketIoOptions options, EngineIoRegistry node) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        int chosen = port;
        await(vertx.deployVerticle(() -> new EchoVerticle(options, chosen, node), new io.vertx.core.DeploymentOptions()));
        return port;
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private HttpResponse<Buffer> get(String query) throws Exception {
        return await(client.get(port, "127.0.0.1", "/socket.io/?" + query).send());
    }

    private Future<HttpResponse<Buffer>> getAsync(String sid) {
        return client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid).send();
    }

    private HttpResponse<Buffer> poll(String sid) throws Exception {
        return await(getAsync(sid));
    }

    private HttpResponse<Buffer> post(String sid, String body) throws Exception {
        return await(client.post(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid)
                .sendBuffer(Buffer.buffer(body)));
    }

    private String handshake() throws Exception {
        HttpResponse<Buffer> res = get("EIO=4&transport=polling");
        assertThat(res.statusCode()).isEqualTo(200);
        return new JsonObject(res.bodyAsString().substring(1)).getString("sid");
    }

    private String connect() throws Exception {
        String sid = handshake();
        assertThat(post(sid, "40").bodyAsString()).isEqualTo("ok");
        assertThat(poll(sid).bodyAsString()).matches("40\\{\"sid\":\"[A-Za-z0-9_-]{20}\"}");
        return sid;
    }

    @Test
    @DisplayName("answers the handshake with the open packet: sid with the node prefix, upgrades, ping settings, max payload")
    void openPacket() throws Exception {
        HttpResponse<Buffer> res = get("EIO=4&transport=polling");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.getHeader("Content-Type")).isEqualTo("text/plain; charset=UTF-8");
        String body = res.bodyAsString();
        assertThat(body).startsWith("0{");
        JsonObject open = new JsonObject(body.substring(1));
        assertThat(open.fieldNames()).containsExactly("sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload");
        assertThat(open.getString("sid")).matches("node1~[A-Za-z0-9_-]{22}");
        assertThat(open.getJsonArray("upgrades").getList()).containsExactly("websocket");
        assertThat(open.getValue("pingInterval")).isEqualTo(25_000);
        assertThat(open.getValue("pingTimeout")).isEqualTo(20_000);
        assertThat(open.getValue("maxPayload")).isEqualTo(MAX_PAYLOAD);
        assertThat(handshake()).isNotEqualTo(open.getString("sid"));
    }

    @Test
    @DisplayName("rejects a bad protocol version, an unknown transport, an unknown sid and a POST handshake with the reference error codes")
    void rejectsBadQueries() throws Exception {
        assertError(get("transport=polling"), 5, "Unsupported protocol version");
        assertError(get("EIO=3&transport=polling"), 5, "Unsupported protocol version");
        assertError(get("EIO=abc&transport=polling"), 5, "Unsupported protocol version");
        assertError(get("EIO=4&transport=carrier-pigeon"), 0, "Transport unknown");
        assertError(get("EIO=4"), 0, "Transport unknown");
        assertError(get("EIO=4&transport=polling&sid=node1~nope"), 1, "Session ID unknown");
        assertError(get("EIO=4&transport=websocket"), 3, "Bad request");
        assertError(await(client.post(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling").sendBuffer(Buffer.buffer("40"))),
                2, "Bad handshake method");
        assertError(await(client.put(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling").send()),
                2, "Bad handshake method");
    }

    private static void assertError(HttpResponse<Buffer> res, int code, String message) {
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.getHeader("Content-Type")).isEqualTo("application/json");
        assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject().put("code", code).put("message", message));
    }

    @Test
    @DisplayName("splits POST bodies on the record separator, answers ok, and joins queued packets in one GET")
    void postAndGet() throws Exception {
        String sid = connect();
        HttpResponse<Buffer> posted = post(sid, "42[\"echo\",1]" + RS + "42[\"echo\",{\"b\":2,\"a\":1}]");
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(posted.getHeader("Content-Type")).isEqualTo("text/html");
        assertThat(posted.bodyAsString()).isEqualTo("ok");
        assertThat(poll(sid).bodyAsString())
                .isEqualTo("42[\"echo-back\",1]" + RS + "42[\"echo-back\",{\"b\":2,\"a\":1}]");
        post(sid, "421[\"ack-me\",5,{\"k\":[1]}]");
        assertThat(poll(sid).bodyAsString()).isEqualTo("431[5,{\"k\":[1]}]");
    }

    @Test
    @DisplayName("carries binary attachments as base64 records in both directions")
    void binaryOverPolling() throws Exception {
        String sid = connect();
        post(sid, "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]" + RS + "bAQID");
        assertThat(poll(sid).bodyAsString()).isEqualTo("451-[\"echo-back\",{\"_placeholder\":true,\"num\":0}]" + RS + "bAQID");
    }

    @Test
    @DisplayName("delivers a packet to a GET that was already waiting")
    void longPoll() throws Exception {
        String sid = connect();
        Future<HttpResponse<Buffer>> waiting = getAsync(sid);
        Thread.sleep(100);
        post(sid, "42[\"echo\",\"late\"]");
        assertThat(await(waiting).bodyAsString()).isEqualTo("42[\"echo-back\",\"late\"]");
    }

    @Test
    @DisplayName("rejects a second concurrent GET with 400 and closes the session")
    void concurrentGet() throws Exception {
        String sid = handshake();
        Future<HttpResponse<Buffer>> first = getAsync(sid);
        Thread.sleep(100);
        HttpResponse<Buffer> second = poll(sid);
        assertThat(second.statusCode()).isEqualTo(400);
        HttpResponse<Buffer> firstResponse = await(first);
        assertThat(firstResponse.statusCode()).isEqualTo(200);
        assertThat(firstResponse.bodyAsString()).isEqualTo("1");
        assertError(poll(sid), 1, "Session ID unknown");
    }

    @Test
    @DisplayName("answers 413 to a POST larger than maxPayload and closes the session")
    void oversizedPost() throws Exception {
        String sid = connect();
        HttpResponse<Buffer> res = post(sid, "4" + "x".repeat(MAX_PAYLOAD));
        assertThat(res.statusCode()).isEqualTo(413);
        assertError(poll(sid), 1, "Session ID unknown");
    }

    @Test
    @DisplayName("answers CORS preflights and echoes an allowed Origin with credentials, never a foreign one")
    void cors() throws Exception {
        HttpResponse<Buffer> preflight = await(client.request(io.vertx.core.http.HttpMethod.OPTIONS, port, "127.0.0.1",
                        "/socket.io/?EIO=4&transport=polling")
                .putHeader("Origin", "http://allowed.example")
                .putHeader("Access-Control-Request-Method", "POST")
                .putHeader("Access-Control-Request-Headers", "content-type")
                .send());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo("http://allowed.example");
        assertThat(preflight.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
        assertThat(preflight.getHeader("Access-Control-Allow-Headers")).isEqualTo("content-type");

        HttpResponse<Buffer> allowed = await(client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling")
                .putHeader("Origin", "http://allowed.example").send());
        assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo("http://allowed.example");
        assertThat(allowed.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");

        HttpResponse<Buffer> foreign = await(client.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling")
                .putHeader("Origin", "http://evil.example").send());
        assertThat(foreign.getHeader("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    @DisplayName("answers a CONNECT to an unknown namespace with CONNECT_ERROR and keeps the connection")
    void unknownNamespace() throws Exception {
        String sid = handshake();
        post(sid, "40/admin,");
        assertThat(poll(sid).bodyAsString()).isEqualTo("44/admin,{\"message\":\"Invalid namespace\"}");
        post(sid, "40");
        assertThat(poll(sid).bodyAsString()).startsWith("40{\"sid\":");
    }

    @Test
    @DisplayName("closes the connection on a malformed Socket.IO packet, sending the close packet to the next GET")
    void malformedPacket() throws Exception {
        String sid = connect();
        post(sid, "42[\"echo\"");
        assertThat(poll(sid).bodyAsString()).isEqualTo("1");
        assertError(poll(sid), 1, "Session ID unknown");
    }

    @Test
    @DisplayName("closes the session when the client sends the close packet, releasing a waiting GET with a noop")
    void clientClose() throws Exception {
        String sid = connect();
        Future<HttpResponse<Buffer>> waiting = getAsync(sid);
        Thread.sleep(100);
        assertThat(post(sid, "1").bodyAsString()).isEqualTo("ok");
        assertThat(await(waiting).bodyAsString()).isEqualTo("6");
        assertError(poll(sid), 1, "Session ID unknown");
    }

    @Test
    @DisplayName("fails a POST whose Engine.IO payload cannot be parsed and closes the session")
    void malformedEngineIoPayload() throws Exception {
        String sid = handshake();
        assertError(post(sid, "abc"), 3, "Bad request");
        assertError(poll(sid), 1, "Session ID unknown");
    }

    @Test
    @DisplayName("pings every pingInterval, stays open while pongs come back, and closes after pingTimeout without one")
    void heartbeat() throws Exception {
        port = deploy(vertx, EchoVerticle.options(Duration.ofMillis(300), Duration.ofMillis(200), MAX_PAYLOAD));
        String sid = connect();
        long start = System.nanoTime();
        assertThat(poll(sid).bodyAsString()).isEqualTo("2");
        // Held until the interval is up (an upper bound would measure the machine's load, not the server).
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        post(sid, "3");
        assertThat(poll(sid).bodyAsString()).isEqualTo("2");
        post(sid, "3");
        assertThat(poll(sid).bodyAsString()).isEqualTo("2");
        // No pong this time: the session must be gone after pingTimeout.
        Thread.sleep(350);
        assertError(poll(sid), 1, "Session ID unknown");
    }

    @Test
    @DisplayName("closes a session whose pending GET waits through a ping timeout with the close packet")
    void pingTimeoutWithPendingGet() throws Exception {
        port = deploy(vertx, EchoVerticle.options(Duration.ofMillis(200), Duration.ofMillis(200), MAX_PAYLOAD));
        String sid = handshake();
        assertThat(poll(sid).bodyAsString()).isEqualTo("2");
        assertThat(poll(sid).bodyAsString()).isEqualTo("1");
        assertError(poll(sid), 1, "Session ID unknown");
    }
}
