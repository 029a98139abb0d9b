package io.relay.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the texts of the documents inside a payload's JSON text, so that each row stores its document as the
 * phone wrote it instead of encoding the decoded tree again (two encodes per phone message were 8 % of the
 * JVM's time at 5,000 msg/s).
 *
 * <p>The text must be JSON that was decoded already (the frame it came in was): this scanner checks its
 * structure only as far as it walks it, and answers null, never a wrong span, where the text is not what it
 * expects. It also answers null where the decoded tree may differ from a plain reading of the text: a key
 * given twice (the decoder keeps the last) or a top-level key written with escapes. Null means: encode the tree.
 */
final class JsonSpans {
    private JsonSpans() {
    }

    /**
     * The texts of the elements of the array under the top-level {@code key} of the object {@code json}, in
     * order; null when the key is absent, repeated, escaped, or its value is not an array.
     */
    static List<String> arrayElements(String json, String key) {
        try {
            return new Scan(json).member(key);
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            return null; // not the valid JSON the caller promised: let the tree be encoded
        }
    }

    private static final class Scan {
        private final String s;
        private int i;

        Scan(String s) {
            this.s = s;
        }

        List<String> member(String key) {
            skipSpace();
            expect('{');
            List<String> found = null;
            skipSpace();
            if (s.charAt(i) == '}') {
                return null;
            }
            while (true) {
                skipSpace();
                int nameStart = i + 1;
                int nameEnd = skipString();
                String name = s.substring(nameStart, nameEnd - 1);
                skipSpace();
                expect(':');
                skipSpace();
                if (name.indexOf('\\') >= 0) {
                    return null; // it could be the key, written otherwise
                }
                if (name.equals(key)) {
                    if (found != null || s.charAt(i) != '[') {
                        return null;
                    }
                    found = elements();
                } else {
                    skipValue();
                }
                skipSpace();
                char c = s.charAt(i++);
                if (c == '}') {
                    return found;
                }
                if (c != ',') {
                    throw new IllegalStateException("not an object");
                }
            }
        }

        /** The array at {@code i}, its elements' texts; leaves {@code i} past it. */
        private List<String> elements() {
            expect('[');
            List<String> texts = new ArrayList<>();
            skipSpace();
            if (s.charAt(i) == ']') {
                i++;
                return texts;
            }
            while (true) {
                skipSpace();
                int start = i;
                skipValue();
                texts.add(s.substring(start, i));
                skipSpace();
                char c = s.charAt(i++);
                if (c == ']') {
                    return texts;
                }
                if (c != ',') {
                    throw new IllegalStateException("not an array");
                }
            }
        }

        /** Past one value: a string, an object or array (nested ones included), or a literal or number. */
        private void skipValue() {
            char c = s.charAt(i);
            if (c == '"') {
                skipString();
            } else if (c == '{' || c == '[') {
                int depth = 0;
                do {
                    char d = s.charAt(i);
                    if (d == '"') {
                        skipString();
                        continue;
                    }
                    if (d == '{' || d == '[') {
                        depth++;
                    } else if (d == '}' || d == ']') {
                        depth--;
                    }
                    i++;
                } while (depth > 0);
            } else {
                int start = i;
                while (i < s.length() && ",]} \t\r\n".indexOf(s.charAt(i)) < 0) {
                    i++;
                }
                if (i == start) {
                    throw new IllegalStateException("no value");
                }
            }
        }

        /** Past the string at {@code i}; answers the index after its closing quote. */
        private int skipString() {
            expect('"');
            while (true) {
                char c = s.charAt(i++);
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    return i;
                }
            }
        }

        private void expect(char c) {
            if (s.charAt(i) != c) {
                throw new IllegalStateException("expected " + c);
            }
            i++;
        }

        private void skipSpace() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }
    }
}
