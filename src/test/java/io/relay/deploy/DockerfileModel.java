package io.relay.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Just enough of the Dockerfile grammar to check the image's contract without a Docker engine:
 * comments, backslash continuations, one instruction per logical line, stages split at FROM,
 * and ENV's quoted {@code key=value} pairs.
 */
final class DockerfileModel {

    /** One instruction; {@code args} is everything after the keyword, continuations joined. */
    record Instruction(String keyword, String args, int line) {
    }

    private final List<List<Instruction>> stages = new ArrayList<>();

    private DockerfileModel() {
    }

    static DockerfileModel parse(String text) {
        DockerfileModel model = new DockerfileModel();
        String[] lines = text.split("\n", -1);
        StringBuilder logical = new StringBuilder();
        int start = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].stripTrailing();
            String trimmed = line.strip();
            // Docker drops comment lines and blank lines, also inside a continued instruction.
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (logical.isEmpty()) {
                start = i + 1;
            }
            if (line.endsWith("\\")) {
                logical.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            logical.append(line);
            model.add(logical.toString().strip(), start);
            logical.setLength(0);
        }
        if (!logical.isEmpty()) {
            model.add(logical.toString().strip(), start);
        }
        return model;
    }

    private void add(String instruction, int line) {
        String[] parts = instruction.split("\\s+", 2);
        Instruction ins = new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1].strip() : "", line);
        if (ins.keyword().equals("FROM")) {
            stages.add(new ArrayList<>());
        }
        if (stages.isEmpty()) {
            // ARG before the first FROM: keep it in a stage of its own.
            stages.add(new ArrayList<>());
        }
        stages.get(stages.size() - 1).add(ins);
    }

    List<List<Instruction>> stages() {
        return stages;
    }

    List<Instruction> finalStage() {
        return stages.get(stages.size() - 1);
    }

    /** The stage whose FROM ends with {@code AS name}. */
    Optional<List<Instruction>> stage(String name) {
        return stages.stream().filter(s -> !s.isEmpty() && s.get(0).keyword().equals("FROM")
                && s.get(0).args().toLowerCase(Locale.ROOT).endsWith(" as " + name.toLowerCase(Locale.ROOT))).findFirst();
    }

    static List<Instruction> all(List<Instruction> stage, String keyword) {
        return stage.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    static Optional<Instruction> last(List<Instruction> stage, String keyword) {
        List<Instruction> found = all(stage, keyword);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }

    /** The environment a stage's ENV instructions set, later values winning. */
    static Map<String, String> env(List<Instruction> stage) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Instruction i : all(stage, "ENV")) {
            List<String> words = words(i.args());
            if (!words.isEmpty() && !words.get(0).contains("=")) {
                // Legacy form: ENV key value with spaces
                env.put(words.get(0), i.args().substring(i.args().indexOf(words.get(0)) + words.get(0).length()).strip());
                continue;
            }
            for (String w : words) {
                int eq = w.indexOf('=');
                if (eq <= 0) {
                    throw new AssertionError("line " + i.line() + ": ENV word without key=value: " + w);
                }
                env.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return env;
    }

    /** Splits like a POSIX shell would (quotes and backslashes), without expanding anything. */
    static List<String> words(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < s.length()) {
                    w.append(s.charAt(++i));
                } else {
                    w.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                w.append(s.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new AssertionError("unterminated quote in: " + s);
        }
        if (inWord) {
            words.add(w.toString());
        }
        return words;
    }
}
