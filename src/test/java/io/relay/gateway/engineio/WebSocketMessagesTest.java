package io.relay.gateway.engineio;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A WebSocket's data frames, assembled into messages")
class WebSocketMessagesTest {

    private final List<Object> received = new ArrayList<>();
    private final WebSocketMessages messages = new WebSocketMessages(100, new WebSocketMessages.Sink() {
        @Override
        public void text(String text) {
            received.add(text);
        }

        @Override
        public void binary(Buffer data) {
            received.add(Arrays.toString(data.getBytes()));
        }

        @Override
        public void refused(short code) {
            received.add("refused " + code);
        }
    });

    /** Hands a frame over as Netty's decoder does, and releases it afterwards as the handler does. */
    private void feed(WebSocketFrame frame) {
        try {
            messages.frame(frame);
        } finally {
            frame.release();
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a text message in one frame is handed on as it is")
    void singleFrame() {
        feed(new TextWebSocketFrame("42[\"mobile:messages\",{}]"));
        assertThat(received).containsExactly("42[\"mobile:messages\",{}]");
    }

    @Test
    @DisplayName("a text message in several frames is handed on once, whole, even with a character split between frames")
    void fragmentedText() {
        byte[] euro = utf8("€");
        feed(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(utf8("4price "), new byte[]{euro[0]})));
        assertThat(received).as("nothing before the final frame").isEmpty();
        feed(new ContinuationWebSocketFrame(false, 0, Unpooled.wrappedBuffer(Arrays.copyOfRange(euro, 1, 3))));
        feed(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(utf8(" 5"))));
        assertThat(received).containsExactly("4price € 5");
    }

    @Test
    @DisplayName("a binary message in several frames is handed on whole, and the next message starts afresh")
    void fragmentedBinaryThenAnother() {
        feed(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[]{1, 2})));
        feed(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[]{3})));
        feed(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[]{9})));
        assertThat(received).containsExactly("[1, 2, 3]", "[9]");
    }

    @Test
    @DisplayName("control frames between fragments are not part of the message")
    void controlFramesIgnored() {
        feed(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(utf8("4a"))));
        feed(new PingWebSocketFrame(Unpooled.wrappedBuffer(utf8("ping"))));
        feed(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(utf8("b"))));
        assertThat(received).containsExactly("4ab");
    }

    @Test
    @DisplayName("a message that grows past the limit over several frames is refused with 1009, and every frame after is ignored")
    void oversizedOverFrames() {
        feed(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[60])));
        feed(new ContinuationWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[40])));
        assertThat(received).as("exactly the limit is still fine").isEmpty();
        feed(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[1])));
        feed(new TextWebSocketFrame("4after"));
        assertThat(received).containsExactly("refused 1009");
    }

    @Test
    @DisplayName("a text message that is not valid UTF-8 once assembled is refused with 1007")
    void invalidUtf8OverFrames() {
        feed(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(utf8("4ok"))));
        feed(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[]{(byte) 0xC3, '('})));
        assertThat(received).containsExactly("refused 1007");
    }

    @Test
    @DisplayName("a text message with a real U+FFFD in it is valid and handed on")
    void replacementCharacterItself() {
        feed(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(utf8("4\uFFFD"))));
        feed(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(utf8("!"))));
        assertThat(received).containsExactly("4\uFFFD!");
    }
}
