package io.relay.routing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Checks on client payloads. Each check throws {@link EventRejected} with a message naming the field,
 * so handlers read as "take this field" and bad input never reaches storage or another client. Every
 * string of a payload, however deep, must be {@link StorableText storable}: events are stored as sent.
 */
final class Payloads {
    /** A deviceId ends up in event-bus addresses and log lines: keep it short and printable. */
    static final int MAX_DEVICE_ID_CHARS = 128;
    static final int MAX_NAME_CHARS = 256;
    static final int MAX_TOKEN_CHARS = 8 * 1024;
    /** As storage keeps them (a message or conversation id column). */
    static final int MAX_DOCUMENT_ID_CHARS = 255;

    private Payloads() {
    }

    static JsonObject object(JsonObject payload, String event) {
        return object(payload, event, null);
    }

    /**
     * As {@link #object(JsonObject, String)}, given the event's data as the client wrote it ({@code text}, null when
     * not known). Text decoded from a frame holds no lone surrogate (the UTF-8 decode leaves none) and no raw NUL
     * (JSON forbids raw control characters in strings): either could only come as a backslash-u escape. So
     * without one, every string is storable and the payload's tree need not be walked, a walk of every string
     * of every phone message otherwise.
     */
    static JsonObject object(JsonObject payload, String event, String text) {
        if (payload == null) {
            throw new EventRejected("Invalid payload for " + event + ": expected a JSON object");
        }
        if (text != null && text.indexOf("\\u") < 0) {
            return payload;
        }
        String refused = StorableText.refusal(payload);
        if (refused != null) {
            throw new EventRejected(refused);
        }
        return payload;
    }

    static String requiredString(JsonObject payload, String field, int maxChars) {
        Object value = payload.getValue(field);
        if (!(value instanceof String text) || text.isBlank()) {
            throw new EventRejected("Missing or invalid field: " + field + " (expected a non-empty string)");
        }
        if (text.length() > maxChars) {
            throw new EventRejected("Field too long: " + field + " (at most " + maxChars + " characters)");
        }
        String problem = StorableText.problem(text);
        if (problem != null) {
            throw new EventRejected("Invalid field: " + field + " (" + problem + ")");
        }
        return text;
    }

    /** The field when it is a string, the fallback when absent or null; any other type is refused. */
    static String optionalString(JsonObject payload, String field, int maxChars, String fallback) {
        Object value = payload.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String)) {
            throw new EventRejected("Invalid field: " + field + " (expected a string)");
        }
        return requiredString(payload, field, maxChars);
    }

    /** An id the phone app may send as a string or a number (Android row ids are numbers). */
    static String id(JsonObject payload, String field) {
        Object value = payload.getValue(field);
        if (value instanceof Number n) {
            return n.toString();
        }
        return requiredString(payload, field, MAX_NAME_CHARS);
    }

    static String deviceId(JsonObject payload, String field) {
        String id = requiredString(payload, field, MAX_DEVICE_ID_CHARS);
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c) || Character.isWhitespace(c)) {
                throw new EventRejected("Invalid field: " + field + " (no spaces or control characters)");
            }
        }
        return id;
    }

    /** An array of JSON objects (empty allowed). */
    static JsonArray objects(JsonObject payload, String field) {
        Object value = payload.getValue(field);
        if (!(value instanceof JsonArray array)) {
            throw new EventRejected("Missing or invalid field: " + field + " (expected an array)");
        }
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof JsonObject)) {
                throw new EventRejected("Invalid field: " + field + "[" + i + "] (expected an object)");
            }
        }
        return array;
    }

    /**
     * An array of documents the phone keeps by id (messages, conversations): objects, each with an
     * {@code id} that is a non-empty string of at most {@value #MAX_DOCUMENT_ID_CHARS} characters or a number.
     * Checked here so that the client hears which item is wrong, not what storage said.
     */
    static JsonArray documents(JsonObject payload, String field) {
        JsonArray array = objects(payload, field);
        for (int i = 0; i < array.size(); i++) {
            Object id = array.getJsonObject(i).getValue("id");
            if (!(id instanceof Number) && !(id instanceof String text && !text.isEmpty() && text.length() <= MAX_DOCUMENT_ID_CHARS)) {
                throw new EventRejected("Missing or invalid field: " + field + "[" + i + "].id (expected a non-empty string of at most "
                        + MAX_DOCUMENT_ID_CHARS + " characters, or a number)");
            }
        }
        return array;
    }
}
