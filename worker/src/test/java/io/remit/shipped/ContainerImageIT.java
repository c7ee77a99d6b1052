package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.remit.sandbox.SandboxOptions;
import io.remit.testing.Infrastructure;
import io.remit.testing.Ports;
import io.remit.testing.Repository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The container image built from {@code docker/Dockerfile} ({@code .ci/image.sh} makes {@code localhost/remit:ci} with
 * podman), started as the chart starts it: read-only root filesystem, {@code /tmp} a tmpfs, uid 10001, no capabilities,
 * settings from the environment, on the host network against the test broker, PostgreSQL and sandbox. It becomes ready,
 * takes a command through, dead-letters a bad one, serves its metrics, and stops cleanly on SIGTERM ({@code podman stop}).
 * <p>
 * Skipped when podman or the image is absent, unless {@code REMIT_REQUIRE_IMAGE=1} (CI), which makes that a failure.
 */
class ContainerImageIT {

    @Test
    void runsReadOnlyAsUid10001TakesCommandsThroughAndStopsCleanlyOnSigterm() throws Exception {
        Podman.assumeImage();
        Infrastructure infra = Infrastructure.get();
        ShippedWorkerCheck check = new ShippedWorkerCheck(infra, "image", Ports.free());
        String container = "remit-it-" + UUID.randomUUID().toString().substring(0, 8);
        Path envFile = Files.createTempFile("remit-image-", ".env");
        try {
            // --env-file, not -e: the credentials stay out of podman's command line.
            Files.writeString(
                    envFile,
                    check.environment("shipped-image").entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining("\n", "", "\n")));
            assertThat(Podman.run(
                                    Duration.ofSeconds(30),
                                    "image",
                                    "inspect",
                                    "--format",
                                    "{{.Config.User}}",
                                    Podman.IMAGE)
                            .output()
                            .strip())
                    .as("the image's own user")
                    .isEqualTo("10001:10001");

            Podman.ok(
                    Duration.ofSeconds(60),
                    "run",
                    "--detach",
                    "--name",
                    container,
                    "--read-only",
                    "--read-only-tmpfs=false",
                    "--tmpfs",
                    "/tmp:rw,mode=1777,size=128m",
                    "--user",
                    "10001:10001",
                    "--cap-drop",
                    "all",
                    "--security-opt",
                    "no-new-privileges",
                    "--memory",
                    "768m",
                    "--network",
                    "host",
                    "--env-file",
                    envFile.toString(),
                    Podman.IMAGE);
            try {
                check.awaitReady(Duration.ofSeconds(120));
                // a JVM that cannot use the image's AOT cache says so on its first lines ([error][aot] …), then starts
                // without it, twice as slowly
                assertThat(Podman.logs(container))
                        .as("the JVM used the image's AOT cache without complaint")
                        .doesNotContain("][aot]");
                assertThat(Podman.run(Duration.ofSeconds(30), "exec", container, "id", "-u")
                                .output()
                                .strip())
                        .isEqualTo("10001");
                Podman.Result write = Podman.run(Duration.ofSeconds(30), "exec", container, "touch", "/app/written");
                assertThat(write.exit())
                        .as("the root filesystem is read-only: " + write.output())
                        .isNotZero();
                assertThat(write.output()).contains("Read-only file system");
                check.oneSucceedsAndOneIsDeadLettered();
                check.exposesMetrics();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("the image failed; its log:\n" + Podman.logs(container), e);
            }

            // SIGTERM, SIGKILL after 45 s
            Podman.stopsCleanly(container, Duration.ofSeconds(45), "stop", "--time", "45", container);
        } finally {
            Podman.run(Duration.ofSeconds(60), "rm", "--force", "--ignore", container);
            Files.deleteIfExists(envFile);
        }
    }

    /**
     * The AOT cache made while the image was built is the one its ENTRYPOINT's JVM maps, as the chart runs it (768 MB,
     * so the serial collector, where the build had G1): the JVM's own log says it uses the cache's linked classes.
     * Started to its refreshed context and no further ({@code spring.context.exit=onRefresh}), with no Kafka, no
     * PostgreSQL and no API to reach.
     */
    @Test
    void theImagesOwnJvmMapsTheAotCacheMadeWhenItWasBuilt() {
        Podman.assumeImage();
        String env = Podman.ok(
                        Duration.ofSeconds(30), "image", "inspect", "--format", "{{json .Config.Env}}", Podman.IMAGE)
                .output();
        Matcher options = Pattern.compile("\"JAVA_TOOL_OPTIONS=([^\"]*)\"").matcher(env);
        assertThat(options.find())
                .as("the image sets JAVA_TOOL_OPTIONS: " + env)
                .isTrue();
        Podman.Result run = Podman.run(
                Duration.ofSeconds(120),
                "run",
                "--rm",
                "--read-only",
                "--tmpfs",
                "/tmp:rw,mode=1777,size=128m",
                "--user",
                "10001:10001",
                "--memory",
                "768m",
                "--network",
                "none",
                "--env",
                "JAVA_TOOL_OPTIONS=" + options.group(1) + " -Xlog:aot=info -Dspring.context.exit=onRefresh",
                Podman.IMAGE,
                "--spring.flyway.enabled=false",
                "--remit.api.base-url=http://127.0.0.1:9",
                "--remit.api.key=exp_sand_image_check",
                "--remit.api.secret=image-check",
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:9/image-check",
                "--spring.kafka.bootstrap-servers=127.0.0.1:9");
        assertThat(run.exit())
                .as("started to its refreshed context and exited:\n" + run.output())
                .isZero();
        assertThat(run.output())
                .as("the JVM's AOT log")
                .contains("Opened AOT cache /app/remit.aot")
                .contains("Using AOT-linked classes: true")
                .doesNotContain("[error][aot]");
    }

    @Test
    void theSandboxImageServesTheApiAsUid10001() throws Exception {
        Podman.assumeImage(Podman.SANDBOX_IMAGE);
        int port = Ports.free();
        String container = "remit-sandbox-it-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            Podman.ok(
                    Duration.ofSeconds(60),
                    "run",
                    "--detach",
                    "--name",
                    container,
                    "--read-only",
                    "--cap-drop",
                    "all",
                    "--network",
                    "host",
                    Podman.SANDBOX_IMAGE,
                    "java",
                    "-jar",
                    "/app/remit-sandbox.jar",
                    "--port",
                    String.valueOf(port));
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest create = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/invoices"))
                    .header("Content-Type", "application/json")
                    .header("X-API-Key", SandboxOptions.DEFAULT_KEY)
                    .header("X-API-Secret", SandboxOptions.DEFAULT_SECRET)
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"requestId":"img-1","connectionId":"conn_demo","invoiceNumber":"INV-IMG-1","amount":"10.00",\
                            "currency":"USD","dueDate":"2026-12-31","description":"image"}"""))
                    .build();
            HttpResponse<String> created = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (created == null) {
                try {
                    created = http.send(create, HttpResponse.BodyHandlers.ofString());
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline)
                        throw new AssertionError(
                                "the sandbox image never answered; its log:\n" + Podman.logs(container));
                    Thread.sleep(250);
                }
            }
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(created.body()).contains("\"invoiceNumber\":\"INV-IMG-1\"");
            HttpResponse<String> again = http.send(create, HttpResponse.BodyHandlers.ofString());
            assertThat(again.body()).as("the same requestId has one effect").isEqualTo(created.body());
            assertThat(Podman.run(Duration.ofSeconds(30), "exec", container, "id", "-u")
                            .output()
                            .strip())
                    .isEqualTo("10001");
        } finally {
            Podman.run(Duration.ofSeconds(60), "rm", "--force", "--ignore", container);
        }
    }

    /**
     * podman as CI runs it on these machines (../shared/ENVIRONMENT.md, "Containers without Docker"): with runc (crun
     * cannot set rlimits there) and {@code .ci/podman/containers.conf} (no default ulimits, cgroupfs) unless
     * {@code CONTAINERS_CONF} names another. {@code REMIT_PODMAN_RUNTIME} chooses another OCI runtime, {@code REMIT_IMAGE}
     * another image.
     */
    static final class Podman {
        static final String IMAGE = setting("REMIT_IMAGE", "localhost/remit:ci");
        static final String SANDBOX_IMAGE = setting("REMIT_SANDBOX_IMAGE", "localhost/remit-sandbox:ci");
        private static final Path CONTAINERS_CONF = Repository.path(".ci/podman/containers.conf");

        record Result(int exit, String output) {}

        private Podman() {}

        /** Skips the test when podman or the image is missing; with {@code REMIT_REQUIRE_IMAGE=1} fails it instead. */
        static void assumeImage() {
            assumeImage(IMAGE);
        }

        static void assumeImage(String image) {
            String missing = null;
            try {
                Result exists = run(Duration.ofSeconds(30), "image", "exists", image);
                if (exists.exit() != 0) missing = "no image " + image + " (build it with .ci/image.sh)";
            } catch (UncheckedIOException e) {
                missing = "podman cannot be run (" + e.getCause().getMessage()
                        + "): install podman and runc, then run .ci/image.sh";
            }
            require(missing == null, missing);
        }

        /** Skips with {@code reason} unless the condition holds; with {@code REMIT_REQUIRE_IMAGE=1} fails instead. */
        static void require(boolean condition, String reason) {
            if (condition) return;
            if ("1".equals(System.getenv("REMIT_REQUIRE_IMAGE"))) {
                fail("REMIT_REQUIRE_IMAGE=1 but " + reason);
            }
            assumeTrue(false, reason);
        }

        static Result ok(Duration timeout, String... args) {
            Result result = run(timeout, args);
            if (result.exit() != 0) {
                throw new AssertionError(
                        "podman " + String.join(" ", args) + " exited " + result.exit() + ":\n" + result.output());
            }
            return result;
        }

        /** podman with these arguments, stdout and stderr together; exit -1 if it did not end within the timeout. */
        static Result run(Duration timeout, String... args) {
            List<String> command =
                    new ArrayList<>(List.of("podman", "--runtime", setting("REMIT_PODMAN_RUNTIME", "runc")));
            command.addAll(List.of(args));
            try {
                Path output = Files.createTempFile("podman-", ".out");
                try {
                    ProcessBuilder builder = new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(output.toFile());
                    Map<String, String> env = builder.environment();
                    if (!env.containsKey("CONTAINERS_CONF") && Files.isRegularFile(CONTAINERS_CONF)) {
                        env.put(
                                "CONTAINERS_CONF",
                                CONTAINERS_CONF.toAbsolutePath().toString());
                    }
                    Process process = builder.start();
                    boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    if (!ended) {
                        process.destroyForcibly().waitFor();
                    }
                    return new Result(
                            ended ? process.exitValue() : -1, Files.readString(output, StandardCharsets.UTF_8));
                } finally {
                    Files.deleteIfExists(output);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted running podman", e);
            }
        }

        /**
         * Stops remit's container with {@code stop} (podman arguments that send SIGTERM, then SIGKILL after
         * {@code budget}) and checks that it stopped by itself within the budget, after its shutdown hooks, with no
         * error and no secret in its log.
         */
        static void stopsCleanly(String container, Duration budget, String... stop) {
            long start = System.nanoTime();
            ok(budget.multipliedBy(2), stop);
            Duration stopping = Duration.ofNanos(System.nanoTime() - start);
            String log = logs(container);
            String exit = run(Duration.ofSeconds(30), "inspect", "--format", "{{.State.ExitCode}}", container)
                    .output()
                    .strip();
            assertThat(stopping)
                    .as("stopped within %s of SIGTERM; log:%n%s", budget, log)
                    .isLessThan(budget);
            assertThat(exit)
                    .as("exit code (143 = 128 + SIGTERM: the JVM ran its shutdown hooks); log:%n%s", log)
                    .isIn("143", "0");
            assertThat(log)
                    .contains("remit stopped")
                    .doesNotContain(" ERROR ")
                    .doesNotContain("\"level\":\"ERROR\"")
                    .doesNotContain("abandoning")
                    .doesNotContain(SandboxOptions.DEFAULT_SECRET);
        }

        static String logs(String container) {
            return run(Duration.ofSeconds(30), "logs", container).output();
        }

        private static String setting(String name, String otherwise) {
            String value = System.getenv(name);
            return value == null || value.isBlank() ? otherwise : value;
        }
    }
}
