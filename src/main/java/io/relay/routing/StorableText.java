package io.relay.routing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Text the database can store. PostgreSQL's {@code text} refuses U+0000 ({@code invalid byte sequence
 * for encoding "UTF8": 0x00}), and a UTF-16 surrogate without its partner is no Unicode character at
 * all: the driver writes it as {@code ?}, so it would be stored altered, silently. Both are refused
 * where client input is validated, naming the field, so neither reaches storage nor another client.
 */
public final class StorableText {
    /** Longest field path quoted back to a client: the path is made of the client's own keys. */
    private static final int MAX_PATH_CHARS = 120;
    private static final int MAX_KEY_CHARS = 40;

    private StorableText() {
    }

    /** Why {@code text} cannot be stored, for the client's error message; null when it can. */
    public static String problem(CharSequence text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return "contains U+0000 (NUL), which cannot be stored";
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a well-formed pair: one character beyond the BMP, such as an emoji
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired UTF-16 surrogate, which is not Unicode text";
            }
        }
        return null;
    }

    /**
     * The first string in a JSON tree, value or field name, that cannot be stored, as the client's
     * error message naming it (such as {@code messages[3].phoneNumber}); null when every string can.
     */
    public static String refusal(JsonObject payload) {
        Found found = find(payload);
        if (found == null) {
            return null;
        }
        String path = path(found.where);
        return found.inName
                ? "Invalid field name" + (path.isEmpty() ? "" : " in " + shown(path)) + " (" + found.problem + ")"
                : "Invalid field: " + shown(path) + " (" + found.problem + ")";
    }

    /**
     * A string that cannot be stored, and where: {@code where} holds the keys (String) and indexes (Integer)
     * leading to it, innermost first, filled in on the way back up. Every event's payload is walked, so the
     * path is built only for the one that fails.
     */
    private record Found(String problem, boolean inName, List<Object> where) {
    }

    private static Found find(Object value) {
        if (value instanceof String text) {
            String problem = problem(text);
            return problem == null ? null : new Found(problem, false, new ArrayList<>());
        }
        if (value instanceof JsonObject object) {
            for (Map.Entry<String, Object> field : object) {
                String problem = problem(field.getKey());
                if (problem != null) {
                    return new Found(problem, true, new ArrayList<>());
                }
                Found found = find(field.getValue());
                if (found != null) {
                    found.where.add(field.getKey());
                    return found;
                }
            }
        } else if (value instanceof JsonArray array) {
            for (int i = 0; i < array.size(); i++) {
                Found found = find(array.getValue(i));
                if (found != null) {
                    found.where.add(i);
                    return found;
                }
            }
        }
        return null; // numbers, booleans, null, binary attachments
    }

    /** Such as {@code messages[3].phoneNumber}, from the parts innermost first. */
    private static String path(List<Object> where) {
        StringBuilder path = new StringBuilder();
        for (int k = where.size() - 1; k >= 0; k--) {
            if (where.get(k) instanceof Integer index) {
                path.append('[').append(index).append(']');
            } else {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(where.get(k));
            }
        }
        return path.toString();
    }

    /** The path as quoted back: printable, each name and the whole bounded (the names are the client's). */
    private static String shown(String path) {
        StringBuilder out = new StringBuilder();
        for (String part : path.split("\\.", -1)) {
            if (out.length() > 0) {
                out.append('.');
            }
            out.append(cut(part, MAX_KEY_CHARS));
        }
        return cut(out.toString().replaceAll("\\p{Cntrl}", "?"), MAX_PATH_CHARS);
    }

    /** At most {@code max} characters and "...", never splitting a surrogate pair. */
    private static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "...";
    }
}
