package io.relay.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WebSocket's own frames, which the relay's WebSocket handler answers itself (Vert.x hands it the channel
 * after the handshake): pings, and both directions of the close handshake, written on a raw socket.
 */
@DisplayName("WebSocket control frames")
class WebSocketControlFramesE2ETest {
    /** Well under the 10 s a close of the server's waits for the client's answer before it drops the connection. */
    private static final int PROMPTLY_MS = 3_000;

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(c -> c.toBuilder().socket(s -> s.maxPayloadBytes(10_000)).build());

    @Test
    @DisplayName("a ping is answered with a pong carrying its payload, and the socket goes on")
    void pingAnswered() throws Exception {
        try (RawWebSocket ws = connect()) {
            ws.send(RawWebSocket.PING, true, "are you there".getBytes(StandardCharsets.US_ASCII));
            RawWebSocket.Frame pong = ws.next();
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(pong.text()).isEqualTo("are you there");
            ws.sendText("42[\"mobile:register\",{\"deviceId\":\"pinged-phone\"}]");
            assertThat(ws.nextText()).startsWith("42[\"authenticated\",{\"success\":true");
        }
    }

    @Test
    @DisplayName("a client's close is answered with a close of the same code, then the server closes the connection")
    void clientCloseEchoed() throws Exception {
        try (RawWebSocket ws = connect()) {
            ws.send(RawWebSocket.CLOSE, true, new byte[]{0x03, (byte) 0xE9}); // 1001, going away
            assertThat(ws.closeCode()).isEqualTo(1001);
            assertThat(ws.endsWithin(PROMPTLY_MS)).as("the server closed the TCP connection after its close frame").isTrue();
        }
    }

    @Test
    @DisplayName("a close of the server's (the client sent Engine.IO's close) waits for the client's close, then ends the connection")
    void serverCloseAnswered() throws Exception {
        try (RawWebSocket ws = connect()) {
            ws.sendText("1");
            assertThat(ws.closeCode()).isEqualTo(1000);
            ws.send(RawWebSocket.CLOSE, true, new byte[]{0x03, (byte) 0xE8});
            assertThat(ws.endsWithin(PROMPTLY_MS)).as("the server closed the TCP connection once answered").isTrue();
        }
    }

    @Test
    @DisplayName("after a frame it refuses, the server sends its close and ends the connection at once: it cannot read an answer any more")
    void refusedFrameEndsAtOnce() throws Exception {
        try (RawWebSocket ws = connect()) {
            ws.sendText("42[\"mobile:messages\",{\"pad\":\"" + "x".repeat(10_000) + "\"}]");
            assertThat(ws.closeCode()).isEqualTo(1009);
            assertThat(ws.endsWithin(PROMPTLY_MS)).as("the server closed the TCP connection without waiting for an answer").isTrue();
        }
    }

    private RawWebSocket connect() throws Exception {
        return RawWebSocket.socketIo(URI.create(relay.url()).getPort());
    }
}
