package io.relay.gateway.socketio;

import io.relay.gateway.engineio.EngineIoCodec;
import io.relay.gateway.engineio.EngineIoDecodeException;
import io.relay.gateway.engineio.EngineIoPacket;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Property: whatever frame a client sends, the Engine.IO and Socket.IO decoders either decode it or
 * throw their documented decode exception; nothing else escapes (no NumberFormatException, index
 * errors, ClassCastException, DecodeException from the JSON layer, out-of-memory on a huge count...).
 * Seeded, so a failure names the seed and the frame and can be replayed.
 */
@DisplayName("Decoder fuzz")
class DecoderFuzzTest {

    static final int FRAMES = 120_000;
    private static final long SEED = Long.getLong("fuzz.seed", 20_261_124L);

    @Test
    @DisplayName("120,000 random and mutated frames: the decoders only ever decode or throw their decode exceptions")
    void onlyDocumentedExceptions() {
        FrameFuzzer fuzzer = new FrameFuzzer(SEED);
        int rejected = 0;
        int decoded = 0;
        for (int i = 0; i < FRAMES; i++) {
            String frame = fuzzer.next();
            try {
                boolean ok = decodeLikeTheServer(frame, fuzzer);
                if (ok) {
                    decoded++;
                } else {
                    rejected++;
                }
            } catch (Throwable unexpected) {
                fail("seed " + SEED + ", frame #" + i + " " + escape(frame) + " escaped with " + unexpected, unexpected);
            }
        }
        assertThat(rejected).as("the mutations produce invalid frames").isGreaterThan(FRAMES / 4);
        assertThat(decoded).as("and valid ones, so the decoders are explored past their first check").isGreaterThan(FRAMES / 20);
    }

    @Test
    @DisplayName("the valid corpus decodes (the fuzzer mutates real packets, not noise)")
    void corpusIsValid() throws Exception {
        for (String frame : FrameFuzzer.VALID) {
            if (frame.indexOf(EngineIoCodec.SEPARATOR) >= 0 || frame.startsWith("b")) {
                assertThat(EngineIoCodec.decodePayload(frame)).isNotEmpty();
            } else {
                EngineIoPacket packet = EngineIoCodec.decodeText(frame);
                if (packet.type() == EngineIoCodec.MESSAGE && packet.data().length() > 0 && Character.isDigit(packet.data().charAt(0))) {
                    SocketIoPackets.decode(packet.data());
                }
            }
        }
    }

    /**
     * Feeds the frame through every decoder the server uses: as a WebSocket text frame (Engine.IO, then
     * the Socket.IO decoder with its attachment state, sometimes followed by binary frames) and as a
     * polling body. True when it decoded, false when it was refused with a decode exception.
     */
    static boolean decodeLikeTheServer(String frame, FrameFuzzer fuzzer) {
        boolean ok = true;
        try {
            List<EngineIoPacket> packets = EngineIoCodec.decodePayload(frame);
            assertThat(packets).isNotEmpty();
        } catch (EngineIoDecodeException e) {
            ok = false;
        }
        try {
            EngineIoPacket packet = EngineIoCodec.decodeText(frame);
            if (packet.type() == EngineIoCodec.MESSAGE) {
                SocketIoDecoder decoder = new SocketIoDecoder();
                SocketIoPacket decoded = decoder.onText(packet.data());
                while (decoded == null && decoder.reconstructing()) {
                    if (fuzzer.chance(10)) {
                        decoder.onText(packet.data()); // text where an attachment belongs: must be refused
                    }
                    decoded = decoder.onBinary(Buffer.buffer(fuzzer.nextBinary()));
                }
                if (fuzzer.chance(5)) {
                    decoder.onBinary(Buffer.buffer(fuzzer.nextBinary())); // a stray attachment
                }
            }
        } catch (EngineIoDecodeException | SocketIoDecodeException | AttachmentLimitException e) {
            ok = false;
        }
        return ok;
    }

    static String escape(String frame) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : frame.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return out.append('"').toString();
    }
}
