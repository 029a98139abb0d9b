package io.relay.gateway.socketio;

import java.time.Duration;
import java.util.Objects;

/**
 * What one connection may hold of an unfinished binary packet (a BINARY_EVENT or BINARY_ACK whose
 * attachments, the next binary messages, have not all arrived): the decoder keeps them in memory
 * until the last one, so without a bound a client could open such a packet and stream attachments
 * into the server's heap for as long as the connection lives.
 *
 * @param maxAttachments attachments one packet may announce; {@code 0} refuses binary packets outright,
 *                       on their text header, before a byte of an attachment is buffered
 * @param maxBytes       bytes of attachments one connection may hold while a packet is unfinished
 * @param timeout        time from a binary packet's header to its last attachment
 */
public record AttachmentLimits(int maxAttachments, long maxBytes, Duration timeout) {

    /** What the protocol allows and nothing more: for a generic server (the conformance suites send binary). */
    public static AttachmentLimits protocol() {
        return new AttachmentLimits(SocketIoPackets.MAX_ATTACHMENTS, Long.MAX_VALUE, Duration.ofDays(1));
    }

    /** Binary allowed, bounded to {@code maxBytes} per connection and 10 seconds per packet. */
    public static AttachmentLimits bounded(long maxBytes) {
        return new AttachmentLimits(10, maxBytes, Duration.ofSeconds(10));
    }

    public AttachmentLimits {
        Objects.requireNonNull(timeout, "timeout");
        if (maxAttachments < 0 || maxAttachments > SocketIoPackets.MAX_ATTACHMENTS) {
            throw new IllegalArgumentException("maxAttachments must be between 0 and " + SocketIoPackets.MAX_ATTACHMENTS);
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
    }

    /** True when no binary packet is accepted at all. */
    public boolean refusesBinary() {
        return maxAttachments == 0;
    }
}
