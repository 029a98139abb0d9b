package io.relay.gateway.socketio;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.relay.gateway.socketio.PollingProtocolTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Engine.IO over WebSocket and the polling → WebSocket upgrade, spoken by hand. */
@ExtendWith(VertxExtension.class)
@DisplayName("Engine.IO websocket")
class WebSocketProtocolTest {

    private static final int MAX_PAYLOAD = 1000;

    private Vertx vertx;
    private WebClient http;
    private WebSocketClient wsClient;
    private int port;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        this.vertx = vertx;
        http = WebClient.create(vertx);
        // The client may send frames larger than the server accepts, to test the limit.
        wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(65536).setMaxMessageSize(65536));
        SocketIoOptions options = new SocketIoOptions("/socket.io/", Duration.ofMillis(25_000), Duration.ofMillis(20_000),
                MAX_PAYLOAD, Duration.ofMillis(300), java.util.List.of("*"), "node1");
        port = PollingProtocolTest.deploy(vertx, options);
    }

    @AfterEach
    void stop() {
        http.close();
        wsClient.close();
    }

    /** A WebSocket whose text and binary messages and close are collected for the test thread. */
    private static final class Recorder {
        final ClientWebSocket ws;
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final Promise<Short> closed = Promise.promise();

        Recorder(ClientWebSocket ws) {
            this.ws = ws;
            ws.textMessageHandler(messages::add);
            ws.binaryMessageHandler(messages::add);
            ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
        }

        Object next() throws InterruptedException {
            Object message = messages.poll(5, TimeUnit.SECONDS);
            assertThat(message).as("a message within 5 s").isNotNull();
            return message;
        }

        Short awaitClose() throws Exception {
            return closed.future().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    private Recorder open(String query) throws Exception {
        // Handlers are set before connecting: set after, the open packet can slip past when the test thread lags.
        Recorder recorder = new Recorder(wsClient.webSocket());
        return await(recorder.ws.connect(port, "127.0.0.1", "/socket.io/?EIO=4&transport=websocket" + query).map(recorder));
    }

    @Test
    @DisplayName("opens directly over websocket with no further upgrades, and carries text and binary frames without prefix")
    void directWebSocket() throws Exception {
        Recorder client = open("");
        String open = (String) client.next();
        JsonObject handshake = new JsonObject(open.substring(1));
        assertThat(handshake.getJsonArray("upgrades").isEmpty()).isTrue();
        assertThat(handshake.getString("sid")).startsWith("node1~");
        client.ws.writeTextMessage("40");
        assertThat((String) client.next()).startsWith("40{\"sid\":");
        client.ws.writeTextMessage("451-[\"echo\",{\"_placeholder\":true,\"num\":0}]");
        client.ws.writeBinaryMessage(Buffer.buffer(new byte[]{1, 2, 3}));
        assertThat(client.next()).isEqualTo("451-[\"echo-back\",{\"_placeholder\":true,\"num\":0}]");
        assertThat(client.next()).isEqualTo(Buffer.buffer(new byte[]{1, 2, 3}));
        client.ws.writeTextMessage("41");
        client.ws.writeTextMessage("1");
        assertThat(client.awaitClose()).isNotNull();
    }

    @Test
    @DisplayName("closes with 1009 when a message exceeds maxPayload")
    void oversizedMessage() throws Exception {
        Recorder client = open("");
        client.next();
        client.ws.writeTextMessage("4" + "x".repeat(MAX_PAYLOAD + 10));
        assertThat(client.awaitClose()).isEqualTo((short) 1009);
    }

    @Test
    @DisplayName("upgrades a polling session: probe, noop to the pending GET, upgrade, then packets flow over websocket")
    void upgrade() throws Exception {
        HttpResponse<Buffer> handshake = await(http.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling").send());
        String sid = new JsonObject(handshake.bodyAsString().substring(1)).getString("sid");
        await(http.post(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid).sendBuffer(Buffer.buffer("40")));
        Future<HttpResponse<Buffer>> connectAnswer = poll(sid);
        assertThat(await(connectAnswer).bodyAsString()).startsWith("40{");
        Future<HttpResponse<Buffer>> pending = poll(sid);

        Recorder client = open("&sid=" + sid);
        client.ws.writeTextMessage("2probe");
        assertThat(client.next()).isEqualTo("3probe");
        assertThat(await(pending).bodyAsString()).isEqualTo("6");
        client.ws.writeTextMessage("5");
        client.ws.writeTextMessage("42[\"echo\",\"over ws\"]");
        assertThat(client.next()).isEqualTo("42[\"echo-back\",\"over ws\"]");

        HttpResponse<Buffer> late = await(poll(sid));
        assertThat(late.statusCode()).isEqualTo(400);
        // A second websocket for the upgraded session is accepted, then closed at once (as the reference server).
        try {
            assertThat(open("&sid=" + sid).awaitClose()).isNotNull();
        } catch (ExecutionException e) {
            // The close frame came with the 101: Vert.x's client then fails its connect so (see ConformanceClient).
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("WebSocket is closed");
        }
        client.ws.writeTextMessage("42[\"echo\",\"still here\"]");
        assertThat(client.next()).isEqualTo("42[\"echo-back\",\"still here\"]");
    }

    @Test
    @DisplayName("closes a probing websocket that never sends the upgrade packet within upgradeTimeout, keeping polling alive")
    void upgradeTimeout() throws Exception {
        HttpResponse<Buffer> handshake = await(http.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling").send());
        String sid = new JsonObject(handshake.bodyAsString().substring(1)).getString("sid");
        Recorder client = open("&sid=" + sid);
        client.ws.writeTextMessage("2probe");
        assertThat(client.next()).isEqualTo("3probe");
        assertThat(client.awaitClose()).isNotNull();
        await(http.post(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid).sendBuffer(Buffer.buffer("40")));
        assertThat(await(poll(sid)).bodyAsString()).startsWith("40{");
    }

    private Future<HttpResponse<Buffer>> poll(String sid) {
        return http.get(port, "127.0.0.1", "/socket.io/?EIO=4&transport=polling&sid=" + sid).send();
    }
}
