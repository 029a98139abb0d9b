package io.relay.e2e;

import io.relay.RelayNode;
import io.relay.config.RelayConfig;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Input no app sends: refused to the sender alone, and never a reason for the node to stop serving
 * everyone else. Socket.IO-level abuse is played by the official client ({@code relay-bad-input.js});
 * frames that client cannot produce are written by hand on a raw websocket.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Bad input over Socket.IO")
class BadInputE2ETest {
    /** Generous: a loaded CI machine can take seconds to schedule a handshake; a hang still fails. */
    private static final int WAIT_SECONDS = 20;


    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);
    private static final String SOCKET_PATH = "/socket.io/?EIO=4&transport=websocket";

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();
    private RelayConfig config;
    private RelayNode node;
    private WebSocketClient wsClient;

    @BeforeEach
    void start() {
        config = relay.config();
        node = relay.node();
        wsClient = relay.vertx().createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(4 << 20).setMaxMessageSize(4 << 20));
    }

    @AfterEach
    void stop() {
        wsClient.close();
    }

    @Test
    @DisplayName("wrong types, missing fields, unknown events, unauthenticated or forged browsers and oversized messages are refused to the sender only; its connection, or every other one, keeps working")
    void refusedBySocketIoClient() throws Exception {
        NodeScript.assertPasses("relay-bad-input.js", SCRIPT_TIMEOUT, "http://127.0.0.1:" + node.port(),
                String.valueOf(config.socket().maxPayloadBytes()));
    }

    @ParameterizedTest(name = "malformed frame {0}")
    @ValueSource(strings = {
            "9",                                  // no such Engine.IO packet type
            "4Z[\"mobile:register\"]",            // no such Socket.IO packet type
            "42[\"mobile:register\",{\"deviceId\"", // JSON cut short
            "42{\"mobile:register\":true}",       // an event that is not an array
            "42[]",                               // an event without a name
            "42[42,{}]"                           // an event whose name is not a string
    })
    @DisplayName("a malformed Engine.IO or Socket.IO frame closes that connection; the node keeps serving a phone on another")
    void malformedFrameClosesOnlyItsConnection(String frame) throws Exception {
        RawSocket bad = connectNamespace();
        RawSocket good = connectNamespace();
        bad.ws.writeTextMessage(frame);
        assertThat(bad.closed()).as("the connection that sent %s is closed", frame).isTrue();
        assertRegisters(good, "raw-phone-still-served");
        assertRegisters(connectNamespace(), "raw-phone-after");
    }

    @Test
    @DisplayName("binary data that no event announced closes that connection; the node keeps serving others")
    void strayBinaryFrame() throws Exception {
        RawSocket bad = connectNamespace();
        bad.ws.writeBinaryMessage(Buffer.buffer(new byte[]{1, 2, 3}));
        assertThat(bad.closed()).isTrue();
        assertRegisters(connectNamespace(), "raw-phone-after-binary");
    }

    @Test
    @DisplayName("an attachment placeholder pointing past the attachments sent closes that connection; the node keeps serving others")
    void placeholderOutOfRange() throws Exception {
        RawSocket bad = connectNamespace();
        bad.ws.writeTextMessage("451-[\"mobile:register\",{\"_placeholder\":true,\"num\":7}]");
        bad.ws.writeBinaryMessage(Buffer.buffer(new byte[]{1, 2, 3}));
        assertThat(bad.closed()).isTrue();
        assertRegisters(connectNamespace(), "raw-phone-after-placeholder");
    }

    @Test
    @DisplayName("a text packet where an announced attachment should come closes that connection; the node keeps serving others")
    void textInsteadOfAttachment() throws Exception {
        RawSocket bad = connectNamespace();
        bad.ws.writeTextMessage("451-[\"mobile:register\",{\"_placeholder\":true,\"num\":0}]");
        bad.ws.writeTextMessage("42[\"mobile:register\",{\"deviceId\":\"raw\"}]");
        assertThat(bad.closed()).isTrue();
        assertRegisters(connectNamespace(), "raw-phone-after-missing-attachment");
    }

    @Test
    @DisplayName("a websocket frame larger than maxPayload closes that connection; the node keeps serving others")
    void oversizedRawFrame() throws Exception {
        RawSocket good = connectNamespace();
        RawSocket bad = connectNamespace();
        bad.ws.writeTextMessage("42[\"mobile:messages\",{\"messages\":[{\"body\":\"" + "x".repeat(config.socket().maxPayloadBytes()) + "\"}]}]");
        assertThat(bad.closed()).isTrue();
        assertThat(bad.ws.closeStatusCode()).as("close code").isEqualTo((short) 1009);
        assertRegisters(good, "raw-phone-next-to-oversized");
    }

    // ---- a hand-written Socket.IO client ----

    /** A raw websocket whose text messages and close are collected for the test thread. */
    private static final class RawSocket {
        final ClientWebSocket ws;
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final Promise<Void> closed = Promise.promise();

        RawSocket(ClientWebSocket ws) {
            this.ws = ws;
            ws.textMessageHandler(texts::add);
            ws.closeHandler(v -> closed.tryComplete());
        }

        /** The next text message that is not an Engine.IO ping. */
        String next() throws InterruptedException {
            while (true) {
                String text = texts.poll(WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(text).as("a message within %d s", WAIT_SECONDS).isNotNull();
                if (!"2".equals(text)) {
                    return text;
                }
                ws.writeTextMessage("3");
            }
        }

        boolean closed() throws Exception {
            closed.future().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            return true;
        }
    }

    /** Opens a websocket, reads the Engine.IO handshake and joins the default namespace. */
    private RawSocket connectNamespace() throws Exception {
        // Handlers before connecting: set after, the open packet can slip past when the test thread lags.
        RawSocket socket = new RawSocket(wsClient.webSocket());
        socket.ws.connect(node.port(), "127.0.0.1", SOCKET_PATH).toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(socket.next()).as("Engine.IO open packet").startsWith("0{\"sid\":");
        socket.ws.writeTextMessage("40");
        assertThat(socket.next()).as("Socket.IO connect answer").startsWith("40{\"sid\":");
        return socket;
    }

    /** The socket still speaks the relay's protocol: a phone registers and is authenticated. */
    private static void assertRegisters(RawSocket socket, String deviceId) throws Exception {
        socket.ws.writeTextMessage("42[\"mobile:register\",{\"deviceId\":\"" + deviceId + "\",\"deviceName\":\"raw\",\"deviceModel\":\"raw\"}]");
        assertThat(socket.next()).startsWith("42[\"authenticated\",{\"success\":true,\"deviceSecret\":\"");
    }
}
