package io.relay.gateway.socketio;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the stream of Engine.IO messages of one connection into complete Socket.IO packets: a
 * BINARY_EVENT / BINARY_ACK is held back until its attachments (the next binary messages) arrived.
 * Not thread-safe: one per connection, used on its context.
 */
public final class SocketIoDecoder {

    private SocketIoPacket pending;
    private List<Buffer> buffers;

    /** The complete packet, or null while attachments are still expected. */
    public SocketIoPacket onText(String text) throws SocketIoDecodeException {
        if (pending != null) {
            throw new SocketIoDecodeException("got plaintext data when reconstructing a packet");
        }
        SocketIoPacket packet = SocketIoPackets.decode(text);
        if (packet.attachments() > 0) {
            pending = packet;
            buffers = new ArrayList<>(packet.attachments());
            return null;
        }
        if (packet.type() == SocketIoPackets.BINARY_EVENT || packet.type() == SocketIoPackets.BINARY_ACK) {
            // Zero attachments: any placeholder in it is illegal.
            return withData(packet, SocketIoPackets.reconstruct(packet.data(), List.of()));
        }
        return packet;
    }

    /** The complete packet once this was its last attachment, else null. */
    public SocketIoPacket onBinary(Buffer data) throws SocketIoDecodeException {
        if (pending == null) {
            throw new SocketIoDecodeException("got binary data when not reconstructing a packet");
        }
        buffers.add(data);
        if (buffers.size() < pending.attachments()) {
            return null;
        }
        SocketIoPacket packet = pending;
        List<Buffer> attachments = buffers;
        pending = null;
        buffers = null;
        return withData(packet, SocketIoPackets.reconstruct(packet.data(), attachments));
    }

    /** True while a binary packet waits for attachments. */
    public boolean reconstructing() {
        return pending != null;
    }

    private static SocketIoPacket withData(SocketIoPacket p, Object data) {
        return new SocketIoPacket(p.type(), p.nsp(), p.id(), data, p.attachments());
    }
}
