package io.relay.gateway.engineio;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A connection's outbound bytes")
class OutboundBytesTest {

    @Test
    @DisplayName("are counted until written, and a packet that would take them past the bound is refused")
    void bounded() {
        OutboundBytes out = new OutboundBytes(1_000);
        assertThat(out.tryAdd(600)).isTrue();
        assertThat(out.tryAdd(400)).as("exactly the bound").isTrue();
        assertThat(out.tryAdd(1)).as("one byte past it").isFalse();
        assertThat(out.pending()).as("a refused packet counts nothing").isEqualTo(1_000);
        out.release(600);
        assertThat(out.tryAdd(600)).isTrue();
        assertThat(out.pending()).isEqualTo(1_000);
    }

    @Test
    @DisplayName("let one packet larger than the bound through when nothing else waits, so a reading client always gets it")
    void oversizedPacketAlone() {
        OutboundBytes out = new OutboundBytes(1_000);
        assertThat(out.tryAdd(5_000)).isTrue();
        assertThat(out.tryAdd(1)).as("but nothing behind it").isFalse();
        out.release(5_000);
        assertThat(out.pending()).isZero();
    }

    @Test
    @DisplayName("have room for a paced sender at half the bound or less, and say when a release crossed down to it")
    void room() {
        OutboundBytes out = new OutboundBytes(1_000);
        assertThat(out.hasRoom()).isTrue();
        out.tryAdd(900);
        assertThat(out.hasRoom()).isFalse();
        assertThat(out.release(300)).as("600 left: still above half").isFalse();
        assertThat(out.release(100)).as("500 left: crossed down to half").isTrue();
        assertThat(out.hasRoom()).isTrue();
        assertThat(out.release(100)).as("already below: no second wake-up").isFalse();
    }

    @Test
    @DisplayName("count text as the UTF-8 bytes it takes on the wire")
    void utf8() {
        assertThat(OutboundBytes.utf8Length("42[\"a\"]")).isEqualTo(7);
        assertThat(OutboundBytes.utf8Length("é")).isEqualTo(2);
        assertThat(OutboundBytes.utf8Length("€")).isEqualTo(3);
        assertThat(OutboundBytes.utf8Length("😀")).isEqualTo(4);
        String mixed = "a€😀é\uD800"; // a lone surrogate is written as '?' by the encoder, 3 bytes counted: an upper bound
        assertThat(OutboundBytes.utf8Length(mixed)).isGreaterThanOrEqualTo(mixed.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        String text = "Grüße, 你好, 👋 and plain ASCII";
        assertThat(OutboundBytes.utf8Length(text)).isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
}
