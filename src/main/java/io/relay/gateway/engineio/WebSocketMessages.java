package io.relay.gateway.engineio;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Assembles a WebSocket's frames into messages, as Vert.x's {@code textMessageHandler} and
 * {@code binaryMessageHandler} would, but refusing what RFC 6455 says to refuse with its close code:
 * <ul>
 *   <li>a message over {@code maxBytes}, however it is split into frames: {@code 1009} (Vert.x's own
 *       aggregator reports that as a plain exception, and the socket closed with {@code 1000});</li>
 *   <li>a text message that is not valid UTF-8: {@code 1007} (Vert.x decodes it with replacement
 *       characters and hands on the damaged text).</li>
 * </ul>
 * A single frame over the limit never gets here: Netty's decoder refuses it (also {@code 1009}).
 * After a refusal every further frame is ignored; the caller closes the socket.
 */
final class WebSocketMessages {
    /** RFC 6455 close codes. */
    static final short MESSAGE_TOO_BIG = 1009, INVALID_PAYLOAD = 1007;

    private final int maxBytes;
    private final Handler<String> text;
    private final Handler<Buffer> binary;
    private final Handler<Short> refused;
    private Buffer pending;
    private boolean pendingIsText;
    private boolean broken;

    private WebSocketMessages(int maxBytes, Handler<String> text, Handler<Buffer> binary, Handler<Short> refused) {
        this.maxBytes = maxBytes;
        this.text = text;
        this.binary = binary;
        this.refused = refused;
    }

    /** Delivers {@code ws}'s messages to {@code text} and {@code binary}; a refused one to {@code refused} with its close code. */
    static void wire(ServerWebSocket ws, int maxBytes, Handler<String> text, Handler<Buffer> binary, Handler<Short> refused) {
        WebSocketMessages messages = new WebSocketMessages(maxBytes, text, binary, refused);
        ws.frameHandler(messages::frame);
    }

    private void frame(WebSocketFrame frame) {
        if (broken || !(frame.isText() || frame.isBinary() || frame.isContinuation())) {
            return; // control frames are Vert.x's (pong, close)
        }
        if (!frame.isContinuation()) {
            pending = null;
            pendingIsText = frame.isText();
        }
        Buffer data = frame.binaryData();
        int size = (pending == null ? 0 : pending.length()) + data.length();
        if (size > maxBytes) {
            refuse(MESSAGE_TOO_BIG);
            return;
        }
        if (frame.isFinal() && pending == null) {
            // The frame's memory is Netty's, released after this handler: binary data is kept, so copied; text is decoded now.
            deliver(pendingIsText ? data : data.copy());
            return;
        }
        if (pending == null) {
            pending = Buffer.buffer(Math.min(size * 2, maxBytes));
        }
        pending.appendBuffer(data);
        if (frame.isFinal()) {
            Buffer message = pending;
            pending = null;
            deliver(message);
        }
    }

    private void deliver(Buffer message) {
        if (!pendingIsText) {
            binary.handle(message);
            return;
        }
        String decoded = message.toString(StandardCharsets.UTF_8);
        // The lenient decode turns each malformed sequence into U+FFFD; only then is a strict check worth its cost.
        if (decoded.indexOf('\uFFFD') >= 0 && !validUtf8(message)) {
            refuse(INVALID_PAYLOAD);
            return;
        }
        text.handle(decoded);
    }

    private void refuse(short code) {
        broken = true;
        pending = null;
        refused.handle(code);
    }

    static boolean validUtf8(Buffer bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.getBytes()));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
