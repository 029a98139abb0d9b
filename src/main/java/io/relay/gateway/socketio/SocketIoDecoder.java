package io.relay.gateway.socketio;

import io.relay.vocabulary.FailureReason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;

/**
 * Decodes the stream of Engine.IO messages of one connection into complete Socket.IO packets: a
 * BINARY_EVENT / BINARY_ACK is held back until its attachments (the next binary messages) arrived.
 * What it may hold meanwhile is bounded by {@link AttachmentLimits}: the number of attachments is
 * checked on the packet's text header, before any attachment is buffered, and the bytes as each one
 * arrives; the time bound is the caller's to enforce ({@link #pendingSinceNanos()}), as it owns the timers.
 * Not thread-safe: one per connection, used on its context.
 */
public final class SocketIoDecoder {

    private final AttachmentLimits limits;
    private SocketIoPacket pending;
    private List<Buffer> buffers;
    private long bufferedBytes;
    private long pendingSinceNanos;

    /** A decoder bounded only by the protocol (for tests of the codec itself). */
    public SocketIoDecoder() {
        this(AttachmentLimits.protocol());
    }

    public SocketIoDecoder(AttachmentLimits limits) {
        this.limits = limits;
    }

    /** The complete packet, or null while attachments are still expected. */
    public SocketIoPacket onText(String text) throws SocketIoDecodeException, AttachmentLimitException {
        if (pending != null) {
            throw new SocketIoDecodeException("got plaintext data when reconstructing a packet");
        }
        SocketIoPacket packet = SocketIoPackets.decode(text);
        boolean binary = packet.type() == SocketIoPackets.BINARY_EVENT || packet.type() == SocketIoPackets.BINARY_ACK;
        if (binary && limits.refusesBinary()) {
            throw new AttachmentLimitException(FailureReason.BINARY_REFUSED,
                    "Binary packets are not accepted: send events as JSON text", packet.nsp());
        }
        if (packet.attachments() > limits.maxAttachments()) {
            throw new AttachmentLimitException(FailureReason.ATTACHMENTS_OVER_LIMIT,
                    "Too many binary attachments in one packet (at most " + limits.maxAttachments() + ")", packet.nsp());
        }
        if (packet.attachments() > 0) {
            pending = packet;
            buffers = new ArrayList<>(packet.attachments());
            bufferedBytes = 0;
            pendingSinceNanos = System.nanoTime();
            return null;
        }
        if (binary) {
            // Zero attachments: any placeholder in it is illegal.
            return withData(packet, reconstruct(packet.data(), List.of()));
        }
        return packet;
    }

    /** The complete packet once this was its last attachment, else null. */
    public SocketIoPacket onBinary(Buffer data) throws SocketIoDecodeException, AttachmentLimitException {
        if (pending == null) {
            throw new SocketIoDecodeException("got binary data when not reconstructing a packet");
        }
        if (bufferedBytes + data.length() > limits.maxBytes()) {
            String nsp = pending.nsp();
            reset();
            throw new AttachmentLimitException(FailureReason.ATTACHMENTS_OVER_LIMIT,
                    "Binary attachments over " + limits.maxBytes() + " bytes", nsp);
        }
        buffers.add(data);
        bufferedBytes += data.length();
        if (buffers.size() < pending.attachments()) {
            return null;
        }
        SocketIoPacket packet = pending;
        List<Buffer> attachments = buffers;
        reset();
        return withData(packet, reconstruct(packet.data(), attachments));
    }

    /** True while a binary packet waits for attachments. */
    public boolean reconstructing() {
        return pending != null;
    }

    /** Bytes of attachments held for the unfinished packet. */
    public long bufferedBytes() {
        return bufferedBytes;
    }

    /** {@link System#nanoTime()} when the unfinished packet's header arrived; meaningless when not {@link #reconstructing()}. */
    public long pendingSinceNanos() {
        return pendingSinceNanos;
    }

    /**
     * Called when the unfinished packet took longer than {@link AttachmentLimits#timeout()}: drops it and
     * answers the refusal to report, or null when no packet is under way.
     */
    public AttachmentLimitException expire() {
        if (pending == null) {
            return null;
        }
        String nsp = pending.nsp();
        reset();
        return new AttachmentLimitException(FailureReason.ATTACHMENTS_OVER_LIMIT,
                "Binary packet not finished within " + limits.timeout().toMillis() + " ms", nsp);
    }

    /** The bounds this decoder enforces. */
    public AttachmentLimits limits() {
        return limits;
    }

    /** Drops the unfinished packet and what it held. */
    public void reset() {
        pending = null;
        buffers = null;
        bufferedBytes = 0;
    }

    private static SocketIoPacket withData(SocketIoPacket p, Object data) {
        return new SocketIoPacket(p.type(), p.nsp(), p.id(), data, p.attachments());
    }

    // ------------------------------------------------------------------ attachments back in place of their placeholders

    /** Replaces every placeholder in {@code data} (in place) by its attachment; answers the new root. */
    private static Object reconstruct(Object data, List<Buffer> buffers) throws SocketIoDecodeException {
        if (data instanceof JsonArray a) {
            replaceIn(a.getList(), buffers);
            return a;
        }
        if (data instanceof JsonObject o) {
            Object replaced = placeholder(o.getMap(), buffers);
            if (replaced != null) {
                return replaced;
            }
            replaceIn(o.getMap(), buffers);
            return o;
        }
        return data;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void replaceIn(List list, List<Buffer> buffers) throws SocketIoDecodeException {
        ListIterator it = list.listIterator();
        while (it.hasNext()) {
            Object replaced = replacement(it.next(), buffers);
            if (replaced != null) {
                it.set(replaced);
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void replaceIn(Map map, List<Buffer> buffers) throws SocketIoDecodeException {
        for (Object o : map.entrySet()) {
            Map.Entry e = (Map.Entry) o;
            Object replaced = replacement(e.getValue(), buffers);
            if (replaced != null) {
                e.setValue(replaced);
            }
        }
    }

    /** The Buffer for a placeholder, null when {@code value} is not one (nested values are fixed in place). */
    private static Object replacement(Object value, List<Buffer> buffers) throws SocketIoDecodeException {
        Map<?, ?> map = value instanceof JsonObject o ? o.getMap() : value instanceof Map<?, ?> m ? m : null;
        if (map != null) {
            Object buffer = placeholder(map, buffers);
            if (buffer != null) {
                return buffer;
            }
            replaceIn(map, buffers);
            return null;
        }
        List<?> list = value instanceof JsonArray a ? a.getList() : value instanceof List<?> l ? l : null;
        if (list != null) {
            replaceIn(list, buffers);
        }
        return null;
    }

    private static Buffer placeholder(Map<?, ?> map, List<Buffer> buffers) throws SocketIoDecodeException {
        if (!Boolean.TRUE.equals(map.get("_placeholder"))) {
            return null;
        }
        if (map.get("num") instanceof Integer num && num >= 0 && num < buffers.size()) {
            return buffers.get(num);
        }
        throw new SocketIoDecodeException("illegal attachments");
    }
}
