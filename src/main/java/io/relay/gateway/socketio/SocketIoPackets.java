package io.relay.gateway.socketio;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Socket.IO protocol 5 codec: the text form of every packet type, and binary attachments replaced
 * by {@code {"_placeholder":true,"num":i}} in the JSON (put back by {@link SocketIoDecoder}). Encoding writes straight into one
 * StringBuilder; decoding reads the header without regex and the JSON with Vert.x's Jackson codec,
 * so integers stay integers and object keys keep their order.
 */
public final class SocketIoPackets {

    public static final int CONNECT = 0;
    public static final int DISCONNECT = 1;
    public static final int EVENT = 2;
    public static final int ACK = 3;
    public static final int CONNECT_ERROR = 4;
    public static final int BINARY_EVENT = 5;
    public static final int BINARY_ACK = 6;

    /** Guards memory: no real client sends more attachments in one packet. */
    public static final int MAX_ATTACHMENTS = 1_000;

    private static final int MAX_ACK_ID_DIGITS = 15;
    private static final List<String> RESERVED_EVENTS =
            List.of("connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener");

    private SocketIoPackets() {
    }

    /** An encoded packet: its text part and the binary attachments to send right after it, in order. */
    public record Encoded(String text, List<Buffer> attachments) {
        public boolean isBinary() {
            return !attachments.isEmpty();
        }
    }

    // ------------------------------------------------------------------ encoding

    /**
     * A text EVENT packet for namespace {@code /} without ack id, for encoding once and sending to
     * many sockets. Binary arguments are refused: they need attachments, use {@link SocketIoSocket#emit}.
     */
    public static String encodeEvent(String event, Object... args) {
        StringBuilder out = new StringBuilder(64);
        out.append((char) ('0' + EVENT)).append('[');
        appendJsonString(out, event);
        for (Object arg : args) {
            if (hasBinary(arg)) {
                throw new IllegalArgumentException("binary arguments need attachments; use emit()");
            }
            out.append(',');
            appendValue(out, arg, null);
        }
        return out.append(']').toString();
    }

    /**
     * As {@link #encodeEvent} with one argument, a JSON object given as its text {@code objectJson}
     * ({@code {...}}, as {@code JsonObject.encode()} writes it or a client sent it) to which the number field {@code field} is
     * added last: the packet around a text that was encoded once already, for storage, without encoding
     * the object again. The object must not hold {@code field} already.
     */
    public static String encodeEventAdding(String event, String objectJson, String field, long value) {
        StringBuilder out = adding(event, objectJson, field, value, 0);
        return out.append("}]").toString();
    }

    /** As {@link #encodeEventAdding(String, String, String, long)}, adding two fields in this order. */
    public static String encodeEventAdding(String event, String objectJson, String field, long value, String field2, long value2) {
        StringBuilder out = adding(event, objectJson, field, value, field2.length() + 24).append(',');
        appendJsonString(out, field2);
        return out.append(':').append(value2).append("}]").toString();
    }

    private static StringBuilder adding(String event, String objectJson, String field, long value, int more) {
        int end = objectJson.length() - 1;
        if (end < 1 || objectJson.charAt(0) != '{' || objectJson.charAt(end) != '}') {
            throw new IllegalArgumentException("not an encoded JSON object");
        }
        StringBuilder out = new StringBuilder(objectJson.length() + event.length() + field.length() + 32 + more);
        out.append((char) ('0' + EVENT)).append('[');
        appendJsonString(out, event);
        out.append(',').append(objectJson, 0, end);
        int last = end - 1;
        while (Character.isWhitespace(objectJson.charAt(last))) {
            last--; // a client's text may have spaces before its closing brace
        }
        if (last > 0) {
            out.append(',');
        }
        appendJsonString(out, field);
        return out.append(':').append(value);
    }

    /** An EVENT (or BINARY_EVENT when an argument holds a Buffer) packet. */
    public static Encoded encodeEventPacket(String nsp, String event, long ackId, Object... args) {
        StringBuilder out = new StringBuilder(64);
        appendHeader(out, EVENT, nsp, ackId);
        List<Buffer> attachments = new ArrayList<>(0);
        out.append('[');
        appendJsonString(out, event);
        for (Object arg : args) {
            out.append(',');
            appendValue(out, arg, attachments);
        }
        out.append(']');
        return finish(out, attachments);
    }

    /** An ACK (or BINARY_ACK) packet answering the client's acknowledgement {@code id}. */
    public static Encoded encodeAckPacket(String nsp, long id, Object... args) {
        StringBuilder out = new StringBuilder(32);
        appendHeader(out, ACK, nsp, id);
        List<Buffer> attachments = new ArrayList<>(0);
        out.append('[');
        for (int i = 0; i < args.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            appendValue(out, args[i], attachments);
        }
        out.append(']');
        return finish(out, attachments);
    }

    /** The server's answer to CONNECT: {@code 0{"sid":"..."}} (with {@code /ns,} for other namespaces). */
    public static String encodeConnect(String nsp, String socketId) {
        StringBuilder out = new StringBuilder(40);
        appendHeader(out, CONNECT, nsp, -1);
        out.append("{\"sid\":");
        appendJsonString(out, socketId);
        return out.append('}').toString();
    }

    /** {@code 4{"message":"..."}} (with {@code /ns,} for other namespaces). */
    public static String encodeConnectError(String nsp, String message) {
        StringBuilder out = new StringBuilder(48);
        appendHeader(out, CONNECT_ERROR, nsp, -1);
        out.append("{\"message\":");
        appendJsonString(out, message);
        return out.append('}').toString();
    }

    public static String encodeDisconnect(String nsp) {
        StringBuilder out = new StringBuilder(8);
        appendHeader(out, DISCONNECT, nsp, -1);
        return out.toString();
    }

    /** Any packet; EVENT/ACK data holding a Buffer become BINARY_EVENT/BINARY_ACK with attachments. */
    public static Encoded encode(SocketIoPacket packet) {
        StringBuilder out = new StringBuilder(64);
        int type = packet.type() == BINARY_EVENT ? EVENT : packet.type() == BINARY_ACK ? ACK : packet.type();
        appendHeader(out, type, packet.nsp(), packet.id());
        List<Buffer> attachments = new ArrayList<>(0);
        if (packet.data() != null) {
            appendValue(out, packet.data(), attachments);
        }
        return finish(out, attachments);
    }

    private static void appendHeader(StringBuilder out, int type, String nsp, long id) {
        out.append((char) ('0' + type));
        if (nsp != null && !"/".equals(nsp)) {
            out.append(nsp).append(',');
        }
        if (id >= 0) {
            out.append(id);
        }
    }

    /** Turns the text into a binary packet when attachments were found: type 5/6 and {@code N-}. */
    private static Encoded finish(StringBuilder out, List<Buffer> attachments) {
        if (!attachments.isEmpty()) {
            char type = out.charAt(0);
            out.setCharAt(0, type == '0' + EVENT ? (char) ('0' + BINARY_EVENT) : (char) ('0' + BINARY_ACK));
            out.insert(1, attachments.size() + "-");
        }
        return new Encoded(out.toString(), attachments);
    }

    /**
     * Appends a JSON value. With {@code attachments == null} a Buffer is not expected (callers check);
     * otherwise each Buffer becomes a placeholder and is added to {@code attachments}.
     */
    private static void appendValue(StringBuilder out, Object value, List<Buffer> attachments) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            appendJsonString(out, s);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            // JSON has no NaN/Infinity; JSON.stringify writes null for them.
            if (Double.isFinite(d)) {
                out.append(Json.encode(value));
            } else {
                out.append("null");
            }
        } else if (attachments != null && (value instanceof Buffer || value instanceof byte[])) {
            Buffer buffer = value instanceof Buffer b ? b : Buffer.buffer((byte[]) value);
            out.append("{\"_placeholder\":true,\"num\":").append(attachments.size()).append('}');
            attachments.add(buffer);
        } else if (attachments != null && hasBinary(value)) {
            appendStructure(out, value, attachments);
        } else if (value instanceof JsonObject o) {
            out.append(o.encode());
        } else if (value instanceof JsonArray a) {
            out.append(a.encode());
        } else {
            out.append(Json.encode(value));
        }
    }

    private static void appendStructure(StringBuilder out, Object value, List<Buffer> attachments) {
        Map<?, ?> map = value instanceof JsonObject o ? o.getMap() : value instanceof Map<?, ?> m ? m : null;
        if (map != null) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                appendJsonString(out, String.valueOf(e.getKey()));
                out.append(':');
                appendValue(out, e.getValue(), attachments);
            }
            out.append('}');
            return;
        }
        List<?> list = value instanceof JsonArray a ? a.getList() : (List<?>) value;
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            appendValue(out, list.get(i), attachments);
        }
        out.append(']');
    }

    /** True when {@code value} is or contains (at any depth) a Buffer or byte array. */
    public static boolean hasBinary(Object value) {
        if (value instanceof Buffer || value instanceof byte[]) {
            return true;
        }
        if (value instanceof JsonObject o) {
            return hasBinaryIn(o.getMap().values());
        }
        if (value instanceof JsonArray a) {
            return hasBinaryIn(a.getList());
        }
        if (value instanceof Map<?, ?> m) {
            return hasBinaryIn(m.values());
        }
        if (value instanceof List<?> l) {
            return hasBinaryIn(l);
        }
        return false;
    }

    private static boolean hasBinaryIn(Iterable<?> values) {
        for (Object v : values) {
            if (hasBinary(v)) {
                return true;
            }
        }
        return false;
    }

    /** Writes a JSON string literal, escaping what JSON requires. */
    static void appendJsonString(StringBuilder out, String s) {
        out.append('"');
        int start = 0;
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, start, i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    out.append("\\u00");
                    out.append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
                }
            }
            start = i + 1;
        }
        out.append(s, start, length).append('"');
    }

    // ------------------------------------------------------------------ decoding

    /**
     * Decodes the text part of a packet. A BINARY_EVENT / BINARY_ACK still holds its placeholders;
     * see {@link SocketIoDecoder} for the reconstruction.
     */
    public static SocketIoPacket decode(String text) throws SocketIoDecodeException {
        int length = text.length();
        if (length == 0) {
            throw new SocketIoDecodeException("empty packet");
        }
        int type = text.charAt(0) - '0';
        if (type < CONNECT || type > BINARY_ACK) {
            throw new SocketIoDecodeException("unknown packet type");
        }
        int i = 1;
        int attachments = 0;
        if (type == BINARY_EVENT || type == BINARY_ACK) {
            int start = i;
            while (i < length && isDigit(text.charAt(i))) {
                attachments = attachments * 10 + (text.charAt(i) - '0');
                if (attachments > MAX_ATTACHMENTS) {
                    throw new SocketIoDecodeException("too many attachments");
                }
                i++;
            }
            if (i == start || i >= length || text.charAt(i) != '-') {
                throw new SocketIoDecodeException("illegal attachments");
            }
            i++;
        }
        String nsp = "/";
        if (i < length && text.charAt(i) == '/') {
            int comma = text.indexOf(',', i);
            int end = comma < 0 ? length : comma;
            nsp = text.substring(i, end);
            i = comma < 0 ? length : comma + 1;
        }
        long id = -1;
        if (i < length && isDigit(text.charAt(i))) {
            int start = i;
            long value = 0;
            while (i < length && isDigit(text.charAt(i))) {
                if (i - start >= MAX_ACK_ID_DIGITS) {
                    throw new SocketIoDecodeException("ack id too large");
                }
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            id = value;
        }
        Object data = null;
        String json = null;
        if (i < length) {
            json = text.substring(i);
            try {
                data = Json.decodeValue(json);
            } catch (DecodeException e) {
                throw new SocketIoDecodeException("invalid JSON payload");
            }
            if (data == null) {
                throw new SocketIoDecodeException("invalid payload");
            }
        }
        validate(type, data);
        return new SocketIoPacket(type, nsp, id, data, attachments, type == EVENT ? json : null);
    }

    private static void validate(int type, Object data) throws SocketIoDecodeException {
        boolean valid = switch (type) {
            case CONNECT -> data == null || data instanceof JsonObject;
            case DISCONNECT -> data == null;
            case CONNECT_ERROR -> data instanceof String || data instanceof JsonObject;
            case EVENT, BINARY_EVENT -> data instanceof JsonArray a && a.size() > 0
                    && a.getValue(0) instanceof String name && !RESERVED_EVENTS.contains(name);
            default -> data instanceof JsonArray; // ACK, BINARY_ACK
        };
        if (!valid) {
            throw new SocketIoDecodeException("invalid payload for packet type " + type);
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
