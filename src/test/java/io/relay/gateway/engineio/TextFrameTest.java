package io.relay.gateway.engineio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A text message the relay frames itself")
class TextFrameTest {

    @ParameterizedTest(name = "{0} bytes of UTF-8")
    @ValueSource(ints = {0, 1, 125, 126, 127, 65_535, 65_536, 200_000})
    @DisplayName("is the frame Netty's own encoder makes, at each length the header changes form")
    void sameBytesAsNetty(int bytes) {
        String text = "x".repeat(bytes);
        assertThat(ours(text)).isEqualTo(netty(text));
    }

    @Test
    @DisplayName("counts its length in UTF-8 bytes, not characters (two, three and four bytes a character)")
    void lengthInBytes() {
        // 56 chars (a 4-byte character is two) of 2, 3 and 4 bytes: 126 bytes, past the one-byte length 56 would take
        String text = "é".repeat(14) + "€".repeat(14) + "😀".repeat(14);
        assertThat(text.getBytes(StandardCharsets.UTF_8)).hasSize(126);
        assertThat(ours(text)).isEqualTo(netty(text));
        assertThat(decoded(text)).isEqualTo(text);
    }

    @Test
    @DisplayName("writes a lone surrogate as Netty does, so the length stays the bytes written")
    void loneSurrogate() {
        String text = "a\ud800b";
        assertThat(ours(text)).isEqualTo(netty(text));
    }

    @Test
    @DisplayName("reads back, through a client's frame decoder, as the text it was made of")
    void readsBack() {
        String text = "42[\"messages:sync\",{\"messages\":[{\"id\":\"1\",\"body\":\"Grüße\"}],\"seq\":7}]";
        assertThat(decoded(text)).isEqualTo(text);
    }

    private static byte[] ours(String text) {
        ByteBuf frame = NettyWebSocket.textFrame(ByteBufAllocator.DEFAULT, text);
        try {
            return bytes(frame);
        } finally {
            frame.release();
        }
    }

    /** The bytes a server's encoder (unmasked) writes for the same message. */
    private static byte[] netty(String text) {
        EmbeddedChannel channel = new EmbeddedChannel(new WebSocket08FrameEncoder(false));
        channel.writeOutbound(new TextWebSocketFrame(text));
        ByteBuf whole = Unpooled.buffer();
        for (ByteBuf part; (part = channel.readOutbound()) != null; part.release()) {
            whole.writeBytes(part);
        }
        channel.finishAndReleaseAll();
        return bytes(whole);
    }

    private static String decoded(String text) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 1 << 20));
        client.writeInbound(NettyWebSocket.textFrame(ByteBufAllocator.DEFAULT, text));
        TextWebSocketFrame frame = client.readInbound();
        try {
            return frame.text();
        } finally {
            frame.release();
            client.finishAndReleaseAll();
        }
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] out = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), out);
        return out;
    }
}
