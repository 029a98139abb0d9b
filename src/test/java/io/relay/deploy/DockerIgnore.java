package io.relay.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code .dockerignore} as Docker reads it: one pattern a line, {@code #} comments, paths relative
 * to the context root, {@code *} and {@code ?} within one path segment, {@code **} across any number
 * of segments, {@code !} to take a path back in, the last matching line winning. A path is also left
 * out when one of its parent directories is.
 */
final class DockerIgnore {

    private record Rule(Pattern pattern, boolean exclude) {
    }

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    static DockerIgnore parse(String text) {
        List<Rule> rules = new ArrayList<>();
        for (String line : text.split("\n")) {
            String p = line.strip();
            if (p.isEmpty() || p.startsWith("#")) {
                continue;
            }
            boolean exclude = !p.startsWith("!");
            if (!exclude) {
                p = p.substring(1).strip();
            }
            p = clean(p);
            if (!p.isEmpty()) {
                rules.add(new Rule(Pattern.compile(regex(p)), exclude));
            }
        }
        return new DockerIgnore(rules);
    }

    /** True when the build context leaves out {@code path} (relative, '/'-separated). */
    boolean excludes(String path) {
        String clean = clean(path);
        // A directory left out takes everything under it along.
        int slash = -1;
        do {
            slash = clean.indexOf('/', slash + 1);
            String prefix = slash < 0 ? clean : clean.substring(0, slash);
            if (matches(prefix)) {
                return true;
            }
        } while (slash >= 0);
        return false;
    }

    private boolean matches(String path) {
        boolean excluded = false;
        for (Rule rule : rules) {
            if (rule.pattern().matcher(path).matches()) {
                excluded = rule.exclude();
            }
        }
        return excluded;
    }

    /** Docker cleans each pattern like a path: no leading "/" or "./", no trailing "/". */
    private static String clean(String p) {
        String s = p.replace('\\', '/');
        while (s.startsWith("/") || s.startsWith("./")) {
            s = s.startsWith("/") ? s.substring(1) : s.substring(2);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static String regex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                    i++;
                    re.append("(?:.*/)?"); // "**/" matches no directory or any number of them
                } else {
                    re.append(".*");
                }
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
