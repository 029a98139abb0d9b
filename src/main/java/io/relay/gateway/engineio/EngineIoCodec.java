package io.relay.gateway.engineio;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Engine.IO protocol 4 framing: packet types, the polling payload (packets joined with the record
 * separator, binary as {@code b<base64>}) and single text packets as carried by a WebSocket frame.
 * Knows nothing of Socket.IO.
 */
public final class EngineIoCodec {

    public static final char OPEN = '0';
    public static final char CLOSE = '1';
    public static final char PING = '2';
    public static final char PONG = '3';
    public static final char MESSAGE = '4';
    public static final char UPGRADE = '5';
    public static final char NOOP = '6';

    /** Separates packets in a polling payload (ASCII record separator, never valid inside JSON text). */
    public static final char SEPARATOR = '\u001e';

    private EngineIoCodec() {
    }

    /** Decodes one text packet (a WebSocket text frame, or one record of a polling payload). */
    public static EngineIoPacket decodeText(String text) throws EngineIoDecodeException {
        if (text.isEmpty()) {
            throw new EngineIoDecodeException("empty packet");
        }
        char type = text.charAt(0);
        if (type < OPEN || type > NOOP) {
            throw new EngineIoDecodeException("unknown packet type");
        }
        return new EngineIoPacket(type, text.length() == 1 ? "" : text.substring(1), null);
    }

    /** Decodes a polling POST body into its packets, in order. */
    public static List<EngineIoPacket> decodePayload(String payload) throws EngineIoDecodeException {
        List<EngineIoPacket> packets = new ArrayList<>(4);
        int start = 0;
        int length = payload.length();
        while (true) {
            int end = payload.indexOf(SEPARATOR, start);
            if (end < 0) {
                end = length;
            }
            packets.add(decodeRecord(payload, start, end));
            if (end == length) {
                return packets;
            }
            start = end + 1;
        }
    }

    private static EngineIoPacket decodeRecord(String payload, int start, int end) throws EngineIoDecodeException {
        if (start == end) {
            throw new EngineIoDecodeException("empty packet");
        }
        char type = payload.charAt(start);
        if (type == 'b') {
            try {
                byte[] bytes = Base64.getDecoder().decode(payload.substring(start + 1, end));
                return new EngineIoPacket(MESSAGE, null, Buffer.buffer(bytes));
            } catch (IllegalArgumentException e) {
                throw new EngineIoDecodeException("invalid base64 binary packet");
            }
        }
        if (type < OPEN || type > NOOP) {
            throw new EngineIoDecodeException("unknown packet type");
        }
        return new EngineIoPacket(type, payload.substring(start + 1, end), null);
    }

    /**
     * Appends one queued packet to a polling payload: a {@link String} is an already encoded text
     * packet (type character first), a {@link Buffer} a binary message.
     */
    public static void appendToPayload(StringBuilder out, Object packet) {
        if (out.length() > 0) {
            out.append(SEPARATOR);
        }
        if (packet instanceof Buffer binary) {
            out.append('b').append(Base64.getEncoder().encodeToString(binary.getBytes()));
        } else {
            out.append((String) packet);
        }
    }

    /** Encodes a list of queued packets (see {@link #appendToPayload}) as one polling payload. */
    public static String encodePayload(Iterable<?> packets) {
        StringBuilder out = new StringBuilder(64);
        for (Object packet : packets) {
            appendToPayload(out, packet);
        }
        return out.toString();
    }

    /**
     * The server's {@code open} packet: the socket's id, the upgrade polling offers (none over a WebSocket),
     * and the heartbeat and payload settings the client must keep to.
     */
    static String openPacket(String sid, boolean polling, EngineIoOptions options) {
        return new StringBuilder(160)
                .append(OPEN)
                .append("{\"sid\":\"").append(sid)
                .append("\",\"upgrades\":").append(polling ? "[\"websocket\"]" : "[]")
                .append(",\"pingInterval\":").append(options.pingInterval().toMillis())
                .append(",\"pingTimeout\":").append(options.pingTimeout().toMillis())
                .append(",\"maxPayload\":").append(options.maxPayloadBytes())
                .append('}').toString();
    }
}
