package io.relay.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a WebSocket client is told when its message breaks the rules, written frame by frame on a raw
 * socket (a library would not send these): the close codes RFC 6455 names, and a node that keeps
 * serving everyone else.
 */
@DisplayName("WebSocket close codes")
class WebSocketCloseCodesE2ETest {
    private static final int MAX_PAYLOAD = 10_000;
    private static final String REGISTER_PREFIX = "42[\"mobile:register\",{\"deviceName\":\"raw\",\"deviceModel\":\"raw\",\"deviceId\":\"";

    @RegisterExtension
    final FreshRelay relay = FreshRelay.with(c -> c.toBuilder().socket(s -> s.maxPayloadBytes(MAX_PAYLOAD).maxBinaryBytes(MAX_PAYLOAD)).build());

    @Test
    @DisplayName("a message over maxPayload sent as several frames, each under it, closes with 1009 (message too big)")
    void fragmentedOversizedMessage() throws Exception {
        try (RawWebSocket bad = connect(); RawWebSocket good = connect()) {
            byte[] quarter = new byte[MAX_PAYLOAD / 3];
            Arrays.fill(quarter, (byte) 'x');
            bad.send(RawWebSocket.TEXT, false, ("42[\"mobile:messages\",{\"pad\":\"" + new String(quarter, StandardCharsets.US_ASCII))
                    .getBytes(StandardCharsets.US_ASCII));
            bad.send(RawWebSocket.CONTINUATION, false, quarter);
            bad.send(RawWebSocket.CONTINUATION, false, quarter);
            bad.send(RawWebSocket.CONTINUATION, true, "\"}]".getBytes(StandardCharsets.US_ASCII));
            assertThat(bad.closeCode()).isEqualTo(1009);
            assertRegisters(good, "next-to-fragmented");
        }
    }

    @Test
    @DisplayName("a single frame over maxPayload closes with 1009 too")
    void oversizedFrame() throws Exception {
        try (RawWebSocket bad = connect()) {
            bad.sendText("42[\"mobile:messages\",{\"pad\":\"" + "x".repeat(MAX_PAYLOAD) + "\"}]");
            assertThat(bad.closeCode()).isEqualTo(1009);
        }
    }

    @Test
    @DisplayName("a client still sending its frame over maxPayload when the close comes reads the 1009: the node reads on, dropping the rest, and does not reset the connection")
    void oversizedFrameStillArriving() throws Exception {
        byte[] part = new byte[MAX_PAYLOAD];
        try (RawWebSocket bad = connect()) {
            bad.startFrame(RawWebSocket.TEXT, 100L * MAX_PAYLOAD);
            bad.sendBytes(part);
            assertThat(bad.closeCode()).isEqualTo(1009);
            for (int i = 0; i < 20; i++) { // the rest of the frame: written into a closed socket, each would be reset
                bad.sendBytes(part);
                Thread.sleep(10);
            }
            assertThat(bad.endsWithin(10_000)).as("the node's side ends after its close frame").isTrue();
        }
    }

    @Test
    @DisplayName("a client that never closes after such a close is dropped by the node all the same, after the close handshake's grace")
    void lingeringCloseEnds() throws Exception {
        try (RawWebSocket bad = connect()) {
            bad.startFrame(RawWebSocket.TEXT, 100L * MAX_PAYLOAD);
            bad.sendBytes(new byte[MAX_PAYLOAD]);
            assertThat(bad.closeCode()).isEqualTo(1009);
            // Writes succeed while the node still reads; once it has closed, the kernel resets the next one. The node
            // waits 10 s for a close handshake; the bound here only catches a connection kept forever.
            assertThatThrownBy(() -> {
                for (int i = 0; i < 300; i++) {
                    bad.sendBytes(new byte[1]);
                    Thread.sleep(100);
                }
            }).as("a write refused within 30 s").isInstanceOf(IOException.class);
        }
    }

    @Test
    @DisplayName("a text frame that is not valid UTF-8 closes with 1007 (invalid payload data) instead of being read with U+FFFD in it")
    void invalidUtf8() throws Exception {
        try (RawWebSocket bad = connect(); RawWebSocket good = connect()) {
            bad.send(RawWebSocket.TEXT, true, registerWith(new byte[]{'b', 'a', 'd', (byte) 0xC3, '(', (byte) 0xFF}));
            RawWebSocket.Frame answer = bad.next();
            assertThat(answer.opcode()).as("the answer is a close, not %s", answer.text()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(answer.closeCode()).isEqualTo(1007);
            assertRegisters(good, "next-to-invalid-utf8");
        }
    }

    @Test
    @DisplayName("a character whose UTF-8 bytes are split across two frames is valid, and read as sent")
    void characterSplitAcrossFrames() throws Exception {
        try (RawWebSocket ws = connect()) {
            byte[] whole = registerWith("split-é".getBytes(StandardCharsets.UTF_8));
            int cut = indexOf(whole, (byte) 0xC3) + 1; // between the two bytes of é
            ws.send(RawWebSocket.TEXT, false, Arrays.copyOfRange(whole, 0, cut));
            ws.send(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(whole, cut, whole.length));
            assertThat(ws.nextText()).startsWith("42[\"authenticated\",{\"success\":true");
        }
    }

    private RawWebSocket connect() throws Exception {
        return RawWebSocket.socketIo(URI.create(relay.url()).getPort());
    }

    private static byte[] registerWith(byte[] deviceId) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.writeBytes(REGISTER_PREFIX.getBytes(StandardCharsets.US_ASCII));
        frame.writeBytes(deviceId);
        frame.writeBytes("\"}]".getBytes(StandardCharsets.US_ASCII));
        return frame.toByteArray();
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new IllegalArgumentException("not found");
    }

    /** The connection still speaks the relay's protocol: a phone registers and is authenticated. */
    private static void assertRegisters(RawWebSocket ws, String deviceId) throws Exception {
        ws.send(RawWebSocket.TEXT, true, registerWith(deviceId.getBytes(StandardCharsets.UTF_8)));
        assertThat(ws.nextText()).startsWith("42[\"authenticated\",{\"success\":true");
    }
}
