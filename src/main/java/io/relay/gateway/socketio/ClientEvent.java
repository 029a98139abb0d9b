package io.relay.gateway.socketio;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An EVENT packet from a client, decoded: the event name, its arguments (JSON values, with binary
 * attachments as {@link io.vertx.core.buffer.Buffer}) and, when the client asked for one, the
 * acknowledgement to answer.
 *
 * <p>Read a binary argument with {@code args.getBuffer(i)}: {@code JsonArray.getValue(i)} would hand
 * it back base64-encoded.
 *
 * @param ack  null when the client did not ask for an acknowledgement
 * @param text the event's data (name and arguments) as the client wrote it, or null (a binary event)
 */
public record ClientEvent(String name, JsonArray args, Ack ack, String text) {

    public ClientEvent(String name, JsonArray args, Ack ack) {
        this(name, args, ack, null);
    }

    public boolean wantsAck() {
        return ack != null;
    }

    /** The first argument when it is a JSON object, else null (wrong type or absent). */
    public JsonObject payload() {
        return args.size() > 0 && args.getValue(0) instanceof JsonObject o ? o : null;
    }

    /**
     * The {@link #payload()}'s text exactly as the client wrote it, when the payload is the event's only argument
     * and the text is known; else null. For storing and relaying the payload without encoding it again.
     */
    public String payloadText() {
        return text != null && args.size() == 1 && args.getValue(0) instanceof JsonObject ? secondOfTwo(text) : null;
    }

    /** Answers the acknowledgement if the client asked for one; does nothing otherwise. */
    public void ackIfWanted(Object... values) {
        if (ack != null) {
            ack.reply(values);
        }
    }

    /**
     * The text of the second and last element of {@code arrayJson}, an array whose first element is a string
     * (an EVENT's data: the name and one argument), without the spaces around it; null when the text is not
     * laid out so. The caller knows from the decoded array that it is valid JSON of exactly two elements.
     */
    private static String secondOfTwo(String arrayJson) {
        int i = skipSpace(arrayJson, 0);
        if (i >= arrayJson.length() || arrayJson.charAt(i) != '[') {
            return null;
        }
        i = skipSpace(arrayJson, i + 1);
        if (i >= arrayJson.length() || arrayJson.charAt(i) != '"') {
            return null;
        }
        for (i++; i < arrayJson.length() && arrayJson.charAt(i) != '"'; i++) {
            if (arrayJson.charAt(i) == '\\') {
                i++;
            }
        }
        i = skipSpace(arrayJson, i + 1);
        if (i >= arrayJson.length() || arrayJson.charAt(i) != ',') {
            return null;
        }
        int start = skipSpace(arrayJson, i + 1);
        int end = arrayJson.length() - 1;
        while (end > start && Character.isWhitespace(arrayJson.charAt(end))) {
            end--;
        }
        if (arrayJson.charAt(end) != ']') {
            return null;
        }
        do {
            end--;
        } while (end > start && Character.isWhitespace(arrayJson.charAt(end)));
        return end >= start ? arrayJson.substring(start, end + 1) : null;
    }

    private static int skipSpace(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }
}
