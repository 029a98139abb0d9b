package io.relay.gateway.socketio;

import io.relay.vocabulary.FailureReason;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The decoder's attachment bounds")
class AttachmentLimitsTest {

    private static final String HEADER_1000 = "51000-[\"mobile:messages\",{\"_placeholder\":true,\"num\":0}]";

    @Test
    @DisplayName("with no attachment allowed, refuse any binary event or ack on its header, holding nothing")
    void refusesBinary() {
        SocketIoDecoder decoder = new SocketIoDecoder(new AttachmentLimits(0, 1_000_000, Duration.ofSeconds(10)));
        assertThatThrownBy(() -> decoder.onText(HEADER_1000))
                .isInstanceOfSatisfying(AttachmentLimitException.class, e -> {
                    assertThat(e.reason()).isEqualTo(FailureReason.BINARY_REFUSED);
                    assertThat(e.disconnectReason()).isEqualTo(DisconnectReason.BINARY_REFUSED);
                    assertThat(e.namespace()).isEqualTo("/");
                });
        assertThat(decoder.reconstructing()).isFalse();
        assertThatThrownBy(() -> decoder.onText("61-/admin,7[{\"_placeholder\":true,\"num\":0}]"))
                .isInstanceOfSatisfying(AttachmentLimitException.class, e -> assertThat(e.namespace()).isEqualTo("/admin"));
        assertThatThrownBy(() -> decoder.onText("50-[\"x\"]")).as("even without attachments: no contract event is binary")
                .isInstanceOf(AttachmentLimitException.class);
    }

    @Test
    @DisplayName("refuse a header announcing more attachments than allowed, before any is buffered")
    void tooManyAttachments() {
        SocketIoDecoder decoder = new SocketIoDecoder(new AttachmentLimits(10, 1_000_000, Duration.ofSeconds(10)));
        assertThatThrownBy(() -> decoder.onText(HEADER_1000))
                .isInstanceOfSatisfying(AttachmentLimitException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.ATTACHMENTS_OVER_LIMIT));
        assertThat(decoder.reconstructing()).isFalse();
    }

    @Test
    @DisplayName("refuse the attachment that would take the bytes held past the bound, and drop what was held")
    void tooManyBytes() throws Exception {
        SocketIoDecoder decoder = new SocketIoDecoder(new AttachmentLimits(3, 10, Duration.ofSeconds(10)));
        assertThat(decoder.onText("53-[\"up\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":2}]")).isNull();
        assertThat(decoder.onBinary(Buffer.buffer(new byte[6]))).isNull();
        assertThat(decoder.bufferedBytes()).isEqualTo(6);
        assertThatThrownBy(() -> decoder.onBinary(Buffer.buffer(new byte[5])))
                .isInstanceOfSatisfying(AttachmentLimitException.class,
                        e -> assertThat(e.reason()).isEqualTo(FailureReason.ATTACHMENTS_OVER_LIMIT));
        assertThat(decoder.reconstructing()).isFalse();
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    @DisplayName("deliver a packet within every bound, as before")
    void withinBounds() throws Exception {
        SocketIoDecoder decoder = new SocketIoDecoder(new AttachmentLimits(2, 10, Duration.ofSeconds(10)));
        assertThat(decoder.onText("52-[\"up\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]")).isNull();
        assertThat(decoder.onBinary(Buffer.buffer(new byte[5]))).isNull();
        SocketIoPacket packet = decoder.onBinary(Buffer.buffer(new byte[5]));
        assertThat(packet).isNotNull();
        assertThat(packet.type()).isEqualTo(SocketIoPackets.BINARY_EVENT);
        assertThat(decoder.bufferedBytes()).isZero();
    }

    @Test
    @DisplayName("expire an unfinished packet: dropped, with the refusal to report; nothing to expire otherwise")
    void expire() throws Exception {
        SocketIoDecoder decoder = new SocketIoDecoder(new AttachmentLimits(2, 10, Duration.ofMillis(500)));
        assertThat(decoder.expire()).isNull();
        decoder.onText("52-[\"up\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        decoder.onBinary(Buffer.buffer(new byte[5]));
        AttachmentLimitException expired = decoder.expire();
        assertThat(expired.reason()).isEqualTo(FailureReason.ATTACHMENTS_OVER_LIMIT);
        assertThat(expired.getMessage()).contains("500 ms");
        assertThat(decoder.reconstructing()).isFalse();
    }

    @Test
    @DisplayName("are validated: attachments within the protocol's 1000, positive bytes and timeout")
    void validated() {
        assertThatThrownBy(() -> new AttachmentLimits(-1, 1, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AttachmentLimits(1_001, 1, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AttachmentLimits(1, 0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AttachmentLimits(1, 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
