package io.remit;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import io.remit.api.BackEdgeForLayeringTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The worker's layering, bottom to top (README, Layout): {@code io.remit} (the application and the configuration
 * error), {@code command}, {@code api}, {@code store}, {@code routing}, {@code telemetry}, {@code engine}, {@code webhook}, {@code console},
 * {@code config}. A package sees only those below it; {@code config}, which wires everything, is seen by none. The
 * console's rooms ({@code web}, {@code deadletter}, {@code redrive}) are inside its layer and form no cycle. Which
 * packages may use which libraries, and names: {@link FencesTest}.
 */
class LayeringTest {
    /** The packages under {@code io.remit}, bottom to top; the README's layout lists them in this order. */
    static final List<String> ORDER =
            List.of("command", "api", "store", "routing", "telemetry", "engine", "webhook", "console", "config");

    static final ArchRule LAYERS = layers().whereLayer("config")
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

    private static LayeredArchitecture layers() {
        LayeredArchitecture layers = layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("base")
                .definedBy("io.remit");
        for (String name : ORDER) layers = layers.layer(name).definedBy("io.remit." + name + "..");
        return layers;
    }

    @Test
    void theReadmeLayoutIsThisOrderAndTheTree() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String layout = readme.substring(readme.indexOf("## Layout"));
        layout = layout.substring(layout.indexOf("```") + 3);
        layout = layout.substring(0, layout.indexOf("```"));
        List<String> listed = Pattern.compile("(?m)^[├└]── (\\w+)/")
                .matcher(layout)
                .results()
                .map(match -> match.group(1))
                .toList();
        List<String> packages;
        try (Stream<Path> children = Files.list(Path.of("src", "main", "java", "io", "remit"))) {
            packages = children.filter(Files::isDirectory)
                    .map(path -> path.getFileName().toString())
                    .sorted()
                    .toList();
        }

        assertThat(listed)
                .as("README, Layout: the packages in LayeringTest's order")
                .isEqualTo(ORDER);
        assertThat(packages).as("the tree").containsExactlyInAnyOrderElementsOf(ORDER);
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
