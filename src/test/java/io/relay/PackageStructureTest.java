package io.relay;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package tree is the architecture: each package one concern, and no two of them leaning on each
 * other, so each can be read (and changed) knowing only what it imports. Checked on the main code only,
 * as ArchUnit reads the compiled classes and as a reader reads the imports.
 */
@DisplayName("The packages")
class PackageStructureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainCode() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.relay");
    }

    @Test
    @DisplayName("form no cycle: no package imports one that imports it back, however far round (sub-packages count as their own)")
    void noCycles() {
        slices().matching("io.relay.(**)").namingSlices("$1")
                .should().beFreeOfCycles()
                .check(main);
    }

    /**
     * The same rule on the sources, as a reader sees them: javac inlines constants ({@code static final} ints
     * and strings), so an import used only for a constant leaves no trace in the bytecode ArchUnit reads.
     */
    @Test
    @DisplayName("form no cycle in their imports either, constants included")
    void noCyclesInImports() throws IOException {
        Map<String, Set<String>> imports = new TreeMap<>();
        Pattern imported = Pattern.compile("^import (?:static )?(io\\.relay(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]", Pattern.MULTILINE);
        Path root = Path.of("src/main/java");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(file.getParent()).toString().replace(java.io.File.separatorChar, '.');
                Matcher m = imported.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        imports.computeIfAbsent(pkg, k -> new TreeSet<>()).add(m.group(1));
                    }
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        for (String from : imports.keySet()) {
            for (String to : imports.get(from)) {
                List<String> back = path(imports, to, from, new HashSet<>());
                if (back != null) {
                    cycles.add(from + " -> " + String.join(" -> ", back));
                }
            }
        }
        assertThat(cycles).as("import cycles between packages").isEmpty();
    }

    /** A chain of imports from {@code from} to {@code to}, or null. */
    private static List<String> path(Map<String, Set<String>> imports, String from, String to, Set<String> seen) {
        if (from.equals(to)) {
            return new ArrayList<>(List.of(to));
        }
        if (!seen.add(from)) {
            return null;
        }
        for (String next : imports.getOrDefault(from, Set.of())) {
            List<String> rest = path(imports, next, to, seen);
            if (rest != null) {
                rest.add(0, from);
                return rest;
            }
        }
        return null;
    }

    @Test
    @DisplayName("share one vocabulary (addresses, event names, failure reasons) that imports no other package of the relay")
    void vocabularyStandsAlone() {
        noClasses().that().resideInAPackage("io.relay.vocabulary..")
                .should().dependOnClassesThat(resideInAPackage("io.relay..").and(not(resideInAPackage("io.relay.vocabulary.."))))
                .check(main);
    }
}
