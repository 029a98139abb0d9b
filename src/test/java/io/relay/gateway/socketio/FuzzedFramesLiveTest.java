package io.relay.gateway.socketio;

import io.relay.RelayNode;
import io.relay.e2e.FreshRelay;
import io.relay.gateway.engineio.EngineIoCodec;
import io.relay.gateway.engineio.EngineIoDecodeException;
import io.relay.gateway.engineio.EngineIoPacket;
import io.vertx.core.Promise;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fuzzer's invalid frames sent to a live node over real WebSockets: each such connection is
 * closed as a protocol error, and a phone connected all along keeps being served.
 */
@DisplayName("Fuzzed frames on live connections")
class FuzzedFramesLiveTest {

    private static final int CONNECTIONS = 150;
    private static final String PATH = "/socket.io/?EIO=4&transport=websocket";

    @RegisterExtension
    final FreshRelay relay = FreshRelay.withDefaults();
    private RelayNode node;
    private WebSocketClient client;

    @BeforeEach
    void start() {
        node = relay.node();
        client = relay.vertx().createWebSocketClient();
    }

    @AfterEach
    void stop() {
        client.close();
    }

    @Test
    @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
    @DisplayName("150 connections each sent a frame the decoders refuse are closed; a phone on another connection is served throughout")
    void invalidFramesCloseOnlyTheirConnection() throws Exception {
        Raw phone = connect();
        phone.ws.writeTextMessage("42[\"mobile:register\",{\"deviceId\":\"fuzz-bystander\"}]");
        assertThat(phone.next()).startsWith("42[\"authenticated\",{\"success\":true");

        List<String> invalid = invalidFrames(CONNECTIONS);
        for (int i = 0; i < invalid.size(); i++) {
            Raw bad = connect();
            bad.ws.writeTextMessage(invalid.get(i));
            assertThat(bad.closed.future().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS))
                    .as("frame %s closes its connection", DecoderFuzzTest.escape(invalid.get(i))).isNull();
            if (i % 25 == 0) {
                phone.ws.writeTextMessage("42" + i + "[\"message:sent\",{}]");
                assertThat(phone.next()).isEqualTo("43" + i + "[{\"success\":true}]");
            }
        }
        assertThat(phone.closed.future().isComplete()).as("the bystander is still connected").isFalse();
    }

    /** Frames that the offline decoders refuse outright (no attachments pending, so the server must act at once). */
    private static List<String> invalidFrames(int count) {
        FrameFuzzer fuzzer = new FrameFuzzer(7);
        List<String> frames = new ArrayList<>();
        while (frames.size() < count) {
            String frame = fuzzer.next();
            if (!frame.isEmpty() && refused(frame)) {
                frames.add(frame);
            }
        }
        return frames;
    }

    private static boolean refused(String frame) {
        try {
            EngineIoPacket packet = EngineIoCodec.decodeText(frame);
            if (packet.type() != EngineIoCodec.MESSAGE) {
                return false;
            }
            new SocketIoDecoder().onText(packet.data());
            return false;
        } catch (EngineIoDecodeException | SocketIoDecodeException | AttachmentLimitException e) {
            return true;
        }
    }

    private Raw connect() throws Exception {
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port()).setURI(PATH)
                .setAllowOriginHeader(false);
        Raw raw = new Raw(client.webSocket()); // handlers before connecting, so the open packet cannot slip past
        raw.ws.connect(options).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(raw.next()).startsWith("0{\"sid\":");
        raw.ws.writeTextMessage("40");
        assertThat(raw.next()).startsWith("40{\"sid\":");
        return raw;
    }

    private static final class Raw {
        final ClientWebSocket ws;
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final Promise<Void> closed = Promise.promise();

        Raw(ClientWebSocket ws) {
            this.ws = ws;
            ws.textMessageHandler(text -> {
                if ("2".equals(text)) {
                    ws.writeTextMessage("3");
                } else {
                    texts.add(text);
                }
            });
            ws.closeHandler(v -> closed.tryComplete());
        }

        String next() throws InterruptedException {
            String text = texts.poll(20, TimeUnit.SECONDS);
            assertThat(text).as("a message within 20 s (a loaded machine is slow, a hang is not)").isNotNull();
            return text;
        }
    }
}
