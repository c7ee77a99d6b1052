package io.remit;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.remit.api.BackEdgeForLayeringTest;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The worker's layering, bottom to top (README, Layout): {@code io.remit} (the application and the configuration
 * error), {@code command}, {@code api}, {@code store}, {@code routing}, {@code telemetry}, {@code engine}, {@code webhook}, {@code console},
 * {@code config}. A package sees only those below it; {@code config}, which wires everything, is seen by none. The
 * console's rooms ({@code web}, {@code deadletter}, {@code redrive}) are inside its layer and form no cycle; no console
 * class shares a simple name with another class of the worker.
 */
class LayeringTest {
    static final ArchRule LAYERS = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("base")
            .definedBy("io.remit")
            .layer("command")
            .definedBy("io.remit.command..")
            .layer("api")
            .definedBy("io.remit.api..")
            .layer("store")
            .definedBy("io.remit.store..")
            .layer("routing")
            .definedBy("io.remit.routing..")
            .layer("telemetry")
            .definedBy("io.remit.telemetry..")
            .layer("engine")
            .definedBy("io.remit.engine..")
            .layer("webhook")
            .definedBy("io.remit.webhook..")
            .layer("console")
            .definedBy("io.remit.console..")
            .layer("config")
            .definedBy("io.remit.config..")
            .whereLayer("config")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("console")
            .mayOnlyBeAccessedByLayers("config")
            .whereLayer("webhook")
            .mayOnlyBeAccessedByLayers("console", "config")
            .whereLayer("engine")
            .mayOnlyBeAccessedByLayers("config")
            .whereLayer("telemetry")
            .mayOnlyBeAccessedByLayers("engine", "config")
            .whereLayer("routing")
            .mayOnlyBeAccessedByLayers("telemetry", "engine", "console", "config")
            .whereLayer("store")
            .mayOnlyBeAccessedByLayers("engine", "webhook", "console", "config")
            .whereLayer("api")
            .mayOnlyBeAccessedByLayers("routing", "telemetry", "engine", "console", "config")
            .whereLayer("command")
            .mayOnlyBeAccessedByLayers("api", "store", "routing", "telemetry", "engine", "console", "config")
            .because("a package sees only those below it (README, Layout)");

    static final ArchRule NO_CYCLES =
            slices().matching("io.remit.(*)..").should().beFreeOfCycles();

    static final ArchRule NO_CONSOLE_CYCLES =
            slices().matching("io.remit.console.(*)..").should().beFreeOfCycles();

    private static final JavaClasses WORKER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.remit");

    @Test
    void everyPackageSeesOnlyThoseBelowIt() {
        assertThat(WORKER.size()).as("the worker's classes were found").isGreaterThan(80);
        LAYERS.check(WORKER);
        NO_CYCLES.check(WORKER);
        NO_CONSOLE_CYCLES.check(WORKER);
    }

    @Test
    void noConsoleClassSharesASimpleName() {
        Map<String, List<String>> byName = WORKER.stream()
                .filter(c -> !c.isAnonymousClass() && !c.getSimpleName().isEmpty())
                .collect(Collectors.groupingBy(
                        JavaClass::getSimpleName, Collectors.mapping(JavaClass::getName, Collectors.toList())));

        assertThat(byName.values())
                .filteredOn(names -> names.size() > 1)
                .noneMatch(names -> names.stream().anyMatch(name -> name.startsWith("io.remit.console.")));
    }

    @Test
    void aBackEdgeFailsIt() {
        JavaClasses withBackEdge = new ClassFileImporter()
                .importClasses(
                        BackEdgeForLayeringTest.class,
                        io.remit.engine.IntakeGate.class,
                        io.remit.api.PaymentsApi.class);

        EvaluationResult result = LAYERS.evaluate(withBackEdge);

        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(line -> line.contains("BackEdgeForLayeringTest") && line.contains("IntakeGate"));
    }
}
