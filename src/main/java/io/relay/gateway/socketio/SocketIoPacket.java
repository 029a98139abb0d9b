package io.relay.gateway.socketio;

/**
 * One decoded Socket.IO packet.
 *
 * @param type        one of the {@code SocketIoPackets.*} type constants
 * @param nsp         namespace, {@code "/"} when the packet named none
 * @param id          acknowledgement id, or -1 when absent
 * @param data        the JSON payload ({@link io.vertx.core.json.JsonArray}, {@link io.vertx.core.json.JsonObject},
 *                    a String for CONNECT_ERROR) or null; binary attachments appear as {@link io.vertx.core.buffer.Buffer}
 *                    once reconstructed
 * @param attachments number of binary attachments announced by a BINARY_EVENT / BINARY_ACK
 * @param text        an EVENT's data as the client wrote it (the JSON array's text), so that what is stored and
 *                    relayed need not be encoded again; null for other packets and binary ones
 */
public record SocketIoPacket(int type, String nsp, long id, Object data, int attachments, String text) {

    public SocketIoPacket(int type, String nsp, long id, Object data, int attachments) {
        this(type, nsp, id, data, attachments, null);
    }

    public boolean hasAckId() {
        return id >= 0;
    }
}
