package io.relay.gateway.engineio;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of one session handed to its transport but not yet written to the client's socket: packets in
 * the polling queue and in polling responses still being written, and WebSocket frames whose write has
 * not completed (Netty and Vert.x hold them off-heap while the client does not read). Without a bound a
 * client that stops reading makes the server keep everything sent to it.
 *
 * <p>A packet is refused (the caller closes the session) when bytes are already waiting and it would take
 * them past the bound; a single packet larger than the bound still goes to a client that has read
 * everything else, so an oversized but legitimate answer cannot lock a reading client out for good.
 *
 * <p>Thread-safe: bytes are added on the session's context and released on the transport's event loop.
 */
final class OutboundBytes {

    private final long limit;
    private final AtomicLong pending = new AtomicLong();

    OutboundBytes(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive");
        }
        this.limit = limit;
    }

    /** Counts {@code bytes} as waiting; answers false, counting nothing, when they would overrun the bound. */
    boolean tryAdd(long bytes) {
        long before;
        do {
            before = pending.get();
            if (before > 0 && before + bytes > limit) {
                return false;
            }
        } while (!pending.compareAndSet(before, before + bytes));
        return true;
    }

    /** {@code bytes} were written (or dropped with the connection); answers true when this brought them to half the bound or less. */
    boolean release(long bytes) {
        long after = pending.addAndGet(-bytes);
        return after <= limit / 2 && after + bytes > limit / 2;
    }

    /** True when at most half the bound is waiting: room for a sender that paces itself. */
    boolean hasRoom() {
        return pending.get() <= limit / 2;
    }

    long pending() {
        return pending.get();
    }

    long limit() {
        return limit;
    }

    /** Bytes of {@code text} in UTF-8, as it goes on the wire; counted without encoding it. */
    static long utf8Length(CharSequence text) {
        int n = text.length();
        long bytes = n;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    bytes += 2; // a pair: 4 bytes for 2 chars
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }
}
