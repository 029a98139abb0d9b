package io.relay.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the relative links of markdown files that lead nowhere: a file that does not exist, or a
 * {@code #anchor} that no heading of the target markdown file produces. Anchors are GitHub's: the
 * heading in lower case, without punctuation, spaces turned into hyphens, {@code -1}, {@code -2}...
 * added to repeats. Links inside code (fenced blocks, backtick spans) are text, not links; links with
 * a scheme ({@code https:}, {@code mailto:}) are not checked (the build may not reach the network).
 */
final class DocLinks {
    private static final Pattern LINK = Pattern.compile("!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    private final Path root;
    private final Map<Path, Set<String>> anchors = new HashMap<>();

    DocLinks(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** One problem per broken link, naming the file, its line and the link; empty when every link leads somewhere. */
    List<String> broken(Path markdown) {
        List<String> problems = new ArrayList<>();
        Path file = root.resolve(markdown).normalize();
        List<String> lines = prose(read(file), true);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINK.matcher(lines.get(i));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("<") && target.endsWith(">")) {
                    target = target.substring(1, target.length() - 1);
                }
                String problem = problem(file, target);
                if (problem != null) {
                    problems.add(root.relativize(file) + ":" + (i + 1) + ": (" + m.group(1) + ") " + problem);
                }
            }
        }
        return problems;
    }

    private String problem(Path from, String target) {
        if (SCHEME.matcher(target).find()) {
            return null;
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path to = path.isEmpty() ? from : from.getParent().resolve(path).normalize();
        if (!to.startsWith(root)) {
            return "leads out of the repository";
        }
        if (!Files.exists(to)) {
            return "no such file: " + root.relativize(to);
        }
        if (anchor == null || anchor.isEmpty() || !to.toString().endsWith(".md")) {
            return null;
        }
        return anchorsOf(to).contains(anchor) ? null : "no heading makes #" + anchor + " in " + root.relativize(to);
    }

    /** GitHub's anchors of every heading of a markdown file. */
    Set<String> anchorsOf(Path markdown) {
        return anchors.computeIfAbsent(markdown, file -> {
            Set<String> found = new HashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            for (String line : prose(read(file), false)) {
                Matcher m = HEADING.matcher(line);
                if (m.matches()) {
                    String slug = slug(m.group(1));
                    int n = seen.merge(slug, 1, Integer::sum);
                    found.add(n == 1 ? slug : slug + "-" + (n - 1));
                }
            }
            return found;
        });
    }

    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
        return text.toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N}\\s_-]", "")
                .replace(' ', '-');
    }

    /**
     * The file's lines with fenced code blocks blanked (so line numbers stay right) and, if asked, code spans
     * removed; a heading keeps its code spans' text, which its anchor is made of.
     */
    private static List<String> prose(String text, boolean withoutCodeSpans) {
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String line : text.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                out.add("");
            } else if (fenced) {
                out.add("");
            } else {
                out.add(withoutCodeSpans ? CODE_SPAN.matcher(line).replaceAll("") : line);
            }
        }
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
