package io.relay.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The Flyway migrations in the sources, so tests follow the schema's version instead of repeating it. */
public final class MigrationFiles {
    private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__.+\\.sql");

    private MigrationFiles() {
    }

    /** The versions of {@code src/main/resources/db/migration/V<n>__*.sql}, in order. */
    public static List<Integer> versions() {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            return files.map(f -> VERSIONED.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The version the schema is at once every migration ran. */
    public static int latest() {
        List<Integer> versions = versions();
        return versions.get(versions.size() - 1);
    }
}
