package io.relay.docs;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's picture of the code ("The code") names the packages the folder tree has, no more and no
 * fewer: a package added, moved or renamed without the picture following fails here.
 */
@DisplayName("The README's code tree")
class CodeTreeTest {
    private static final Path SOURCES = Path.of("src/main/java/io/relay");
    /** A package line of the tree: two spaces per level under src/main/java/io/relay/, then the folder name and a slash. */
    private static final Pattern PACKAGE_LINE = Pattern.compile("^((?:  )+)([a-z]+)/\\s");

    @Test
    @DisplayName("names every package under src/main/java/io/relay, each at its depth, and none that does not exist")
    void namesThePackagesThatExist() throws IOException {
        assertThat(packagesInReadme()).isEqualTo(packagesOnDisk());
    }

    private static Set<String> packagesOnDisk() throws IOException {
        try (Stream<Path> dirs = Files.walk(SOURCES)) {
            return dirs.filter(Files::isDirectory).filter(d -> !d.equals(SOURCES))
                    .map(d -> SOURCES.relativize(d).toString().replace('\\', '/'))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Set<String> packagesInReadme() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("### The code");
        assertThat(section).as("README has a section \"The code\"").isNotNegative();
        int start = readme.indexOf("src/main/java/io/relay/\n", section);
        int end = readme.indexOf("\n```", start);
        Set<String> found = new TreeSet<>();
        String[] parents = new String[8];
        for (String line : readme.substring(start, end).split("\n")) {
            if (!line.startsWith(" ")) {
                if (!line.startsWith("src/main/java/io/relay/")) {
                    break; // the next top-level folder: the packages are done
                }
                continue;
            }
            Matcher m = PACKAGE_LINE.matcher(line);
            if (m.find()) {
                int depth = m.group(1).length() / 2 - 1;
                parents[depth] = m.group(2);
                StringBuilder path = new StringBuilder();
                for (int i = 0; i <= depth; i++) {
                    path.append(i == 0 ? "" : "/").append(parents[i]);
                }
                found.add(path.toString());
            }
        }
        return found;
    }
}
