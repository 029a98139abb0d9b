package io.relay;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package tree is the architecture: each package one concern, and no two of them leaning on each
 * other, so each can be read (and changed) knowing only what it imports. Checked on the main code only.
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

    @Test
    @DisplayName("share one vocabulary (addresses, event names, failure reasons) that imports no other package of the relay")
    void vocabularyStandsAlone() {
        noClasses().that().resideInAPackage("io.relay.vocabulary..")
                .should().dependOnClassesThat(resideInAPackage("io.relay..").and(not(resideInAPackage("io.relay.vocabulary.."))))
                .check(main);
    }
}
