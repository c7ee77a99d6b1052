package io.remit;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Where third-party libraries may be used, as Kafka's import-control does for its own packages: JDBC only where remit's
 * tables are read and written, the HTTP client only in the payments API's client, Kafka's clients (consumers, producers,
 * the admin client) only where records are consumed and produced. Kafka's data types (records, headers, partitions) are
 * remit's vocabulary and go anywhere.
 */
class FencesTest {
    private static final JavaClasses WORKER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.remit");

    static final ArchRule JDBC = noClasses()
            .that()
            .resideOutsideOfPackages(
                    "io.remit.store..", "io.remit.webhook..", "io.remit.console..", "io.remit.config..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("java.sql..", "javax.sql..", "org.springframework.jdbc..", "org.postgresql..")
            .because("SQL lives with the tables: the store, the webhook's tables, the console's rooms, and the wiring");

    static final ArchRule HTTP_CLIENT = noClasses()
            .that()
            .resideOutsideOfPackage("io.remit.api..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.apache.hc..", "java.net.http..")
            .because("only the payments API's client speaks HTTP to the API");

    static final ArchRule KAFKA_CLIENTS = noClasses()
            .that()
            .resideOutsideOfPackages(
                    "io.remit.engine..", "io.remit.webhook..", "io.remit.console..", "io.remit.config..")
            .should()
            .dependOnClassesThat(describe(
                    "Kafka's consumers, producers or admin client",
                    (JavaClass type) -> type.getPackageName().startsWith("org.apache.kafka.clients.admin")
                            || type.isAssignableTo(org.apache.kafka.clients.consumer.Consumer.class)
                            || type.isAssignableTo(org.apache.kafka.clients.producer.Producer.class)
                            || type.getPackageName().startsWith("org.springframework.kafka")))
            .because(
                    "records are consumed and produced by the engine, the settlement relay and the console's Kafka rooms");

    @Test
    void thirdPartyLibrariesStayInTheirRooms() {
        JDBC.check(WORKER);
        HTTP_CLIENT.check(WORKER);
        KAFKA_CLIENTS.check(WORKER);
    }

    @Test
    void aClassOutsideTheFencesFailsThem() throws ClassNotFoundException {
        JavaClasses breaker =
                new ClassFileImporter().importClasses(Class.forName("io.remit.engine.FenceBreakerForFencesTest"));

        assertThat(JDBC.evaluate(breaker).hasViolation())
                .as("JDBC in the engine")
                .isTrue();
        assertThat(HTTP_CLIENT.evaluate(breaker).hasViolation())
                .as("the HTTP client in the engine")
                .isTrue();
    }

    /**
     * A top-level class's name is its own: no other class, top-level or nested, takes it ({@code Outcome} is the API's
     * answer, nowhere else). Variants nested in their owner ({@code Decision.Retry}, {@code StoredOutcome.Retry}) are
     * always read with it, and may share a name.
     */
    @Test
    void aTopLevelClassNameNamesOneClass() {
        Map<String, List<String>> byName = WORKER.stream()
                .filter(type -> !type.isAnonymousClass() && !type.isLocalClass())
                .collect(Collectors.groupingBy(
                        JavaClass::getSimpleName, Collectors.mapping(JavaClass::getName, Collectors.toList())));
        List<String> topLevel = WORKER.stream()
                .filter(JavaClass::isTopLevelClass)
                .map(JavaClass::getSimpleName)
                .filter(name -> !name.equals("package-info"))
                .toList();

        assertThat(topLevel)
                .allSatisfy(name -> assertThat(byName.get(name)).as(name).hasSize(1));
    }
}
