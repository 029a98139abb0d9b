package io.relay.gateway.engineio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Assembles a WebSocket's data frames into messages, refusing what RFC 6455 says to refuse with its close code:
 * <ul>
 *   <li>a message over {@code maxBytes}, however it is split into frames: {@code 1009};</li>
 *   <li>a text message that is not valid UTF-8: {@code 1007} (a lenient decode would hand on the damaged text
 *       with replacement characters).</li>
 * </ul>
 * A single frame over the limit never gets here: Netty's decoder refuses it (also {@code 1009}).
 * After a refusal every further frame is ignored; the caller closes the socket. A frame's memory is Netty's and
 * is released after {@link #frame} returns: what is kept is copied, once (a message in several frames is gathered
 * in a heap buffer of its own, which the message then is).
 */
final class WebSocketMessages {
    /** RFC 6455 close codes. */
    static final short MESSAGE_TOO_BIG = 1009, INVALID_PAYLOAD = 1007;

    /** Where the messages go. */
    interface Sink {
        void text(String text);

        void binary(Buffer data);

        void refused(short code);
    }

    private final int maxBytes;
    private final Sink sink;
    private ByteBuf pending;
    private boolean pendingIsText;
    private boolean broken;

    WebSocketMessages(int maxBytes, Sink sink) {
        this.maxBytes = maxBytes;
        this.sink = sink;
    }

    /** Takes a text, binary or continuation frame. */
    void frame(WebSocketFrame frame) {
        boolean continuation = frame instanceof ContinuationWebSocketFrame;
        if (broken || !(continuation || frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)) {
            return;
        }
        if (!continuation) {
            pending = null;
            pendingIsText = frame instanceof TextWebSocketFrame;
        }
        ByteBuf data = frame.content();
        int size = (pending == null ? 0 : pending.readableBytes()) + data.readableBytes();
        if (size > maxBytes) {
            refuse(MESSAGE_TOO_BIG);
            return;
        }
        if (frame.isFinalFragment() && pending == null) {
            if (pendingIsText) {
                text(data);
            } else {
                sink.binary(Buffer.buffer(ByteBufUtil.getBytes(data)));
            }
            return;
        }
        if (pending == null) {
            pending = Unpooled.buffer(Math.min(size * 2, maxBytes), maxBytes);
        }
        pending.writeBytes(data);
        if (frame.isFinalFragment()) {
            ByteBuf message = pending;
            pending = null;
            if (pendingIsText) {
                text(message);
            } else {
                sink.binary(BufferInternal.buffer(message));
            }
        }
    }

    private void text(ByteBuf bytes) {
        String decoded = bytes.toString(StandardCharsets.UTF_8);
        // The lenient decode turns each malformed sequence into U+FFFD; only then is a strict check worth its cost.
        if (decoded.indexOf('\uFFFD') >= 0 && !validUtf8(bytes)) {
            refuse(INVALID_PAYLOAD);
            return;
        }
        sink.text(decoded);
    }

    private void refuse(short code) {
        broken = true;
        pending = null;
        sink.refused(code);
    }

    static boolean validUtf8(ByteBuf bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes.nioBuffer());
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
