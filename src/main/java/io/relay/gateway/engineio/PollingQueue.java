package io.relay.gateway.engineio;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Packets waiting for a polling GET: encoded text packets (type first) or binary messages, each counted in
 * the session's {@link OutboundBytes} by the bytes it takes in a response. A close packet is a marker, not
 * counted, and travels alone. Not thread-safe: used on the session's context only.
 */
final class PollingQueue {

    /** What one GET takes: the response body, the bytes it held (still counted until written), whether it carries {@code ping}. */
    record Batch(String payload, long bytes, boolean carriesPing) {
    }

    private final ArrayDeque<Object> packets = new ArrayDeque<>();
    private final OutboundBytes outbound;
    private final Object closePacket;
    private long bytes;

    PollingQueue(OutboundBytes outbound, Object closePacket) {
        this.outbound = outbound;
        this.closePacket = closePacket;
    }

    /** Queues a packet; false, queuing nothing, when it would take the session past its outbound bound. */
    boolean offer(Object packet) {
        long size = payloadBytes(packet);
        if (!outbound.tryAdd(size)) {
            return false;
        }
        bytes += size;
        packets.add(packet);
        return true;
    }

    /** Queues the close packet behind everything else. */
    void addClose() {
        packets.add(closePacket);
    }

    boolean isEmpty() {
        return packets.isEmpty();
    }

    /** Everything up to the close packet (or the close packet alone when it is first), for one GET. */
    Batch drain(Object ping) {
        StringBuilder payload = new StringBuilder(64);
        long taken = 0;
        boolean carriesPing = false;
        Object packet;
        while ((packet = packets.peek()) != null) {
            if (packet == closePacket && payload.length() > 0) {
                break;
            }
            packets.poll();
            carriesPing |= packet == ping;
            if (packet != closePacket) {
                taken += payloadBytes(packet);
            }
            EngineIoCodec.appendToPayload(payload, packet);
        }
        bytes -= taken;
        return new Batch(payload.toString(), taken, carriesPing);
    }

    /** Empties the queue; answers the bytes it counted, for the caller to release. */
    long clear() {
        packets.clear();
        long dropped = bytes;
        bytes = 0;
        return dropped;
    }

    /** The queued packets, in order, without the close packet (for a transport that takes over). */
    List<Object> packets() {
        List<Object> all = new ArrayList<>(packets);
        all.remove(closePacket);
        return all;
    }

    /** Bytes a packet takes in a polling response: the text, or {@code b} + base64, and a separator. */
    static long payloadBytes(Object packet) {
        if (packet instanceof Buffer binary) {
            return 2 + 4L * ((binary.length() + 2) / 3);
        }
        return 1 + OutboundBytes.utf8Length((String) packet);
    }
}
