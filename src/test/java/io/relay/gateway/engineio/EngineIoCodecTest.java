package io.relay.gateway.engineio;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The Engine.IO codec")
class EngineIoCodecTest {

    @Test
    @DisplayName("decodes every packet type with its data")
    void decodesEveryType() throws Exception {
        String[] texts = {"0{\"sid\":\"x\"}", "1", "2probe", "3", "4hello", "5", "6"};
        char[] types = {'0', '1', '2', '3', '4', '5', '6'};
        for (int i = 0; i < texts.length; i++) {
            EngineIoPacket packet = EngineIoCodec.decodeText(texts[i]);
            assertThat(packet.type()).isEqualTo(types[i]);
            assertThat(packet.data()).isEqualTo(texts[i].substring(1));
            assertThat(packet.isBinary()).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "7", "x", "b", "/"})
    @DisplayName("rejects an empty packet or an unknown type")
    void rejectsUnknownTypes(String text) {
        assertThatThrownBy(() -> EngineIoCodec.decodeText(text)).isInstanceOf(EngineIoDecodeException.class);
    }

    @Test
    @DisplayName("splits a polling payload on the record separator and decodes base64 binaries")
    void decodesPayload() throws Exception {
        List<EngineIoPacket> packets = EngineIoCodec.decodePayload("4a\u001e3\u001ebAQID\u001e4{\"k\":1}");
        assertThat(packets).hasSize(4);
        assertThat(packets.get(0).data()).isEqualTo("a");
        assertThat(packets.get(1).type()).isEqualTo(EngineIoCodec.PONG);
        assertThat(packets.get(2).isBinary()).isTrue();
        assertThat(packets.get(2).binary().getBytes()).containsExactly(1, 2, 3);
        assertThat(packets.get(3).data()).isEqualTo("{\"k\":1}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "4a\u001e", "\u001e4a", "b!!!", "9x"})
    @DisplayName("rejects empty records, bad base64 and unknown types in a polling payload")
    void rejectsBadPayloads(String payload) {
        assertThatThrownBy(() -> EngineIoCodec.decodePayload(payload)).isInstanceOf(EngineIoDecodeException.class);
    }

    @Test
    @DisplayName("encodes queued text and binary packets as one polling payload")
    void encodesPayload() {
        String payload = EngineIoCodec.encodePayload(List.of("4a", Buffer.buffer(new byte[]{1, 2, 3}), "6"));
        assertThat(payload).isEqualTo("4a\u001ebAQID\u001e6");
        assertThat(EngineIoCodec.encodePayload(List.of("2"))).isEqualTo("2");
    }
}
