package io.relay.docs;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The README links to docs/, and docs/ to each other: a page moved or a heading renamed must not leave a link behind. */
@DisplayName("Documentation links")
class DocLinksTest {

    /** The landing page, the topic pages, the benchmark report and the tool's own page. */
    private static List<Path> documents() throws IOException {
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            return Stream.concat(Stream.of(Path.of("README.md"), Path.of("BENCHMARKS.md"), Path.of("bench/README.md")),
                    docs.filter(p -> p.toString().endsWith(".md")).sorted()).toList();
        }
    }

    @Test
    @DisplayName("every relative link in README.md, docs/*.md, BENCHMARKS.md and bench/README.md leads to a file that exists, and to a heading of it")
    void everyLinkLeadsSomewhere() throws IOException {
        DocLinks links = new DocLinks(Path.of(""));
        List<Path> documents = documents();
        assertThat(documents).contains(Path.of("docs/protocol.md"), Path.of("docs/configuration.md"));
        List<String> broken = documents.stream().flatMap(doc -> links.broken(doc).stream()).toList();
        assertThat(broken).as("broken links").isEmpty();
    }

    @Test
    @DisplayName("the README links to every page in docs/")
    void readmeLinksEveryPage() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md"))
                    .forEach(page -> assertThat(readme).as("README links " + page).contains("](docs/" + page.getFileName() + ")"));
        }
    }

    @Test
    @DisplayName("a missing file, a missing heading and a link out of the repository are reported with file and line; code and web links are not checked")
    void reportsWhatIsBroken(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/a.md"), """
                # Page A
                ## Phone's credentials: `deviceSecret`
                ## Repeat
                ## Repeat
                """);
        Files.writeString(dir.resolve("README.md"), """
                # Title
                [fine](docs/a.md) [fine too](docs/a.md#phones-credentials-devicesecret) [second repeat](docs/a.md#repeat-1)
                [own heading](#title) ![image](docs/a.md) [web](https://example.com/x.md#nothing)
                [gone](docs/b.md)
                [no heading](docs/a.md#repeat-2)
                [outside](../elsewhere.md)
                `[in a span](docs/none.md)`
                ```
                [in a block](docs/none.md)
                ```
                """);
        List<String> broken = new DocLinks(dir).broken(Path.of("README.md"));
        assertThat(broken).containsExactly(
                "README.md:4: (docs/b.md) no such file: docs/b.md",
                "README.md:5: (docs/a.md#repeat-2) no heading makes #repeat-2 in docs/a.md",
                "README.md:6: (../elsewhere.md) leads out of the repository");
    }
}
