package dev.numpool.web;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** The rooms and their doors (STYLE.md): checked on the compiled classes of every module. */
class ModuleBoundariesTest {
    private static JavaClasses numpool;

    @BeforeAll
    static void importClasses() {
        // Other modules' test-jars (fakes such as FakeStripe) are on this classpath too: not production code.
        numpool = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.numpool");
    }

    @Test
    void modulesDependOnEachOtherInOneDirectionOnly() {
        slices().matching("dev.numpool.(*)..").should().beFreeOfCycles().check(numpool);
        // Inventory's clients reach the sandbox's simulated upstreams as any others: they never know.
        noClasses().that().resideInAPackage("dev.numpool.inventory..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.numpool.orders..", "dev.numpool.workers..", "dev.numpool.api..", "dev.numpool.web..",
                        "dev.numpool.sandbox..")
                .check(numpool);
        noClasses().that().resideInAPackage("dev.numpool.orders..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.numpool.workers..", "dev.numpool.api..", "dev.numpool.web..")
                .check(numpool);
    }

    @Test
    void theSandboxStandsOnTheFarSideOfTheNetwork() {
        noClasses().that().resideInAPackage("dev.numpool.sandbox..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.numpool.db..", "dev.numpool.inventory..", "dev.numpool.orders..",
                        "dev.numpool.workers..", "dev.numpool.api..", "dev.numpool.web..")
                .check(numpool);
    }

    @Test
    void onlyStoresSpeakSql() {
        // Every generated package (tables, records, keys) and all of jOOQ, its exceptions
        // included: stores return domain records, and a refusal by the database reaches the
        // facades as a ConstraintViolation, named by its constraint.
        noClasses().that().resideOutsideOfPackages("dev.numpool.db..")
                .and().haveSimpleNameNotEndingWith("Store")
                // The orders module's handle that binds its stores to one transaction.
                .and().doNotHaveSimpleName("Stores")
                .should().dependOnClassesThat().resideInAnyPackage("dev.numpool.db.jooq..", "org.jooq..")
                .because("SQL lives in one package-private …Store per module")
                .check(numpool);
    }

    @Test
    void storesStayInsideTheirModule() {
        classes().that().haveSimpleNameEndingWith("Store").or().haveSimpleName("Stores").should().notBePublic().check(numpool);
    }

    @Test
    void handlersDoNotReachPastTheFacades() {
        noClasses().that().resideInAnyPackage("dev.numpool.api..", "dev.numpool.web..")
                .should().dependOnClassesThat().haveSimpleNameEndingWith("Store")
                .orShould().dependOnClassesThat().resideInAPackage("org.jooq..")
                .check(numpool);
    }
}
