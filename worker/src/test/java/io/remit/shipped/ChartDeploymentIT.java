package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.sandbox.SandboxOptions;
import io.remit.shipped.ContainerImageIT.Podman;
import io.remit.testing.Infrastructure;
import io.remit.testing.Ports;
import io.remit.testing.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Helm chart's Deployment, run by {@code podman kube play} with the image {@code .ci/image.sh} builds: the chart is
 * rendered ({@code helm template}) with values pointing at the test broker, PostgreSQL and sandbox, and its ConfigMap,
 * Secret and Deployment are played on the host network. The worker starts with the chart's own configuration (the
 * ConfigMap mounted at /config, credentials from the Secret as environment variables, the instance id from the pod
 * name, read-only root filesystem, uid 10001, /tmp an emptyDir), takes a command through, dead-letters a bad one, and
 * stops cleanly when the pod is stopped.
 * <p>
 * Two things podman 4.3 (Debian 12's) cannot do as Kubernetes does, worked around here and nowhere else:
 * <ul>
 * <li>it publishes every {@code containerPort} on the host (podman &lt; 4.7; #17028, fixed by #19823), and a port
 * mapping is refused on the host network ("PortMappings can only be used with Bridge or slirp4netns networking"): the
 * container's {@code ports:} list, informative only in Kubernetes, is removed from the rendered Deployment;</li>
 * <li>a Secret given to {@code kube play} is stored in a form its own {@code secretKeyRef} lookup cannot read ("secret …
 * is not valid JSON: invalid character 'a' looking for beginning of value"; #16269, fixed in 4.4 by #16631, which also
 * made it read {@code stringData}): the rendered Secret's keys and values are given to podman with
 * {@code podman secret create} instead, in the form 4.3 reads (a JSON object of base64 values), under the Secret's name.</li>
 * </ul>
 * Skipped when podman, the image or helm is absent ({@code .ci/image.sh}, {@code .ci/deploy-checks.sh}), unless
 * {@code REMIT_REQUIRE_IMAGE=1} (CI).
 */
class ChartDeploymentIT {
    private static final Path CHART = Repository.path("helm/remit");
    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    private static final Pattern KIND = Pattern.compile("(?m)^kind:\\s*(\\S+)\\s*$");
    private static final Pattern NAME = Pattern.compile("(?m)^metadata:\\s*\\n(?:\\s+.*\\n)*?  name:\\s*(\\S+)\\s*$");
    /** The container's ports list in the rendered Deployment: "ports:" and the lines indented deeper than it. */
    private static final Pattern CONTAINER_PORTS = Pattern.compile("(?m)^( +)ports:\\n(?:\\1[ -].*\\n)+");

    @Test
    void theChartsDeploymentRunsWithItsOwnConfigurationAndStopsCleanly() throws Exception {
        Podman.assumeImage();
        Path helm = helm();
        Podman.require(helm != null, "no helm: .ci/deploy-checks.sh installs it as .tools/bin/helm");

        Infrastructure infra = Infrastructure.get();
        int port = Ports.free();
        ShippedWorkerCheck check = new ShippedWorkerCheck(infra, "chart", port);
        String release = "remit-it-" + UUID.randomUUID().toString().substring(0, 6);
        Path work = Files.createTempDirectory("remit-chart-");
        String secretName = null;
        try {
            Path values = work.resolve("values.json");
            Files.writeString(
                    values, JsonMapper.builder().build().writeValueAsString(values(infra, check, release, port)));
            Podman.Result template = exec(
                    Duration.ofSeconds(60),
                    helm.toString(),
                    "template",
                    release,
                    CHART.toString(),
                    "--namespace",
                    "remit-it",
                    "-f",
                    values.toString());
            assertThat(template.exit())
                    .as("helm template:\n" + template.output())
                    .isZero();

            Map<String, String> docs = documents(template.output());
            String configMap = docs.get("ConfigMap/" + release + "-config");
            String deployment = docs.get("Deployment/" + release);
            Map.Entry<String, String> secret = docs.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("Secret/"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("the chart rendered no Secret: " + docs.keySet()));
            assertThat(configMap)
                    .as("the chart's ConfigMap, in " + docs.keySet())
                    .isNotNull();
            assertThat(deployment)
                    .as("the chart's Deployment, in " + docs.keySet())
                    .isNotNull();
            assertThat(CONTAINER_PORTS.matcher(deployment).results().count())
                    .as("one ports list, the container's")
                    .isEqualTo(1);

            Path play = work.resolve("play.yaml");
            Files.writeString(
                    play,
                    configMap.strip() + "\n---\n"
                            + CONTAINER_PORTS
                                    .matcher(deployment)
                                    .replaceFirst("")
                                    .strip() + "\n");
            secretName = secret.getKey().substring("Secret/".length());
            Path secretJson = work.resolve("secret.json");
            Files.writeString(secretJson, podmanSecret(secret.getValue()));

            Podman.run(Duration.ofSeconds(30), "secret", "rm", secretName);
            Podman.ok(Duration.ofSeconds(30), "secret", "create", secretName, secretJson.toString());
            Files.delete(secretJson);
            Podman.Result emptyDir =
                    Podman.run(Duration.ofSeconds(30), "volume", "rm", "tmp"); // 4.3 makes the emptyDir a volume "tmp"
            Podman.require(
                    emptyDir.exit() == 0 || emptyDir.output().contains("no such volume"),
                    "a podman volume named tmp is in use (podman 4.3 would share it as the pod's emptyDir): "
                            + emptyDir.output());

            Podman.ok(Duration.ofSeconds(120), "kube", "play", "--network", "host", play.toString());
            List<String> pods = pods(release);
            assertThat(pods).as("the Deployment's pods (replicaCount 1)").hasSize(1);
            String pod = pods.getFirst(); // podman 4.3 names it <deployment>-pod-0; the Deployment is named after the
            // release
            String container = pod + "-remit"; // <pod>-<container>
            try {
                check.awaitReady(Duration.ofSeconds(180));
                String deadLettered = check.oneSucceedsAndOneIsDeadLettered();
                check.exposesMetrics();
                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() -> assertThat(Podman.logs(container).lines())
                                .as("the chart's JSON logs: the dead letter's line carries its requestId as a field")
                                .anyMatch(line -> line.startsWith("{")
                                        && line.contains("dead-lettered " + deadLettered)
                                        && line.contains("\"requestId\"")
                                        && line.contains("\"commandType\"")
                                        && line.contains("\"offset\"")));
                theChartsSettingsAreInForce(infra, release, pod);
                assertThat(Podman.run(
                                        Duration.ofSeconds(30),
                                        "inspect",
                                        "--format",
                                        "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}",
                                        container)
                                .output()
                                .strip())
                        .as("uid and read-only root filesystem from the chart's securityContext")
                        .isEqualTo("10001:10001 true");
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(
                        "the chart's Deployment failed; the worker's log:\n" + Podman.logs(container)
                                + "\nwhat was played:\n" + Files.readString(play),
                        e);
            }

            // SIGTERM, SIGKILL after 60 s
            Podman.stopsCleanly(container, Duration.ofSeconds(60), "pod", "stop", "--time", "60", pod);
        } finally {
            Path play = work.resolve("play.yaml");
            if (Files.exists(play)) Podman.run(Duration.ofSeconds(120), "kube", "down", play.toString());
            for (String pod : pods(release))
                Podman.run(Duration.ofSeconds(60), "pod", "rm", "--force", "--ignore", pod);
            if (secretName != null) Podman.run(Duration.ofSeconds(30), "secret", "rm", secretName);
            Podman.run(Duration.ofSeconds(30), "volume", "rm", "--force", release + "-config");
            Podman.run(Duration.ofSeconds(30), "volume", "rm", "tmp");
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The pods podman made for the release's Deployment. */
    private static List<String> pods(String release) {
        return Podman.run(Duration.ofSeconds(30), "pod", "ps", "--format", "{{.Name}}", "--filter", "name=" + release)
                .output()
                .lines()
                .map(String::strip)
                .filter(name -> name.startsWith(release + "-"))
                .toList();
    }

    /** Values for the chart: the test servers, one pod, the check's topics, and the metrics port (free on the host). */
    private static Map<String, Object> values(
            Infrastructure infra, ShippedWorkerCheck check, String release, int port) {
        String image = Podman.IMAGE;
        int colon = image.lastIndexOf(':');
        boolean tagged = colon > image.lastIndexOf('/');
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("replicaCount", 1);
        values.put(
                "image",
                Map.of(
                        "repository",
                        tagged ? image.substring(0, colon) : image,
                        "tag",
                        tagged ? image.substring(colon + 1) : "latest"));
        values.put("kafka", Map.of("bootstrapServers", infra.bootstrapServers, "consumerGroup", release));
        values.put("datasource", Map.of("url", infra.jdbcUrl));
        values.put("api", Map.of("baseUrl", infra.sandbox.baseUrl()));
        values.put(
                "topics",
                Map.of(
                        "commands",
                        check.commands,
                        "deadLetter",
                        check.deadLetters,
                        "partitions",
                        2,
                        "replicationFactor",
                        1));
        values.put(
                "secrets",
                Map.of(
                        "apiKey",
                        SandboxOptions.DEFAULT_KEY,
                        "apiSecret",
                        SandboxOptions.DEFAULT_SECRET,
                        "datasourceUsername",
                        infra.dbUser,
                        "datasourcePassword",
                        infra.dbPassword));
        // On the host network the pod's ports are the host's: free ones instead of 8080 and 8081, through the chart's
        // own knob.
        values.put(
                "config",
                Map.of(
                        "extra",
                        Map.of(
                                "management",
                                Map.of("server", Map.of("port", port)),
                                "remit",
                                Map.of("ops", Map.of("port", check.opsPort)))));
        return values;
    }

    /** The consumer group and the transactional ids are the ones the chart configures (ConfigMap, pod-name instance id). */
    private static void theChartsSettingsAreInForce(Infrastructure infra, String release, String pod) throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers);
        try (Admin admin = Admin.create(config)) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(release))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .get(release);
            assertThat(group.members())
                    .as("members of the consumer group kafka.consumerGroup=" + release)
                    .isNotEmpty();
            Collection<TransactionListing> transactions =
                    admin.listTransactions().all().get(30, TimeUnit.SECONDS);
            assertThat(transactions)
                    .extracting(TransactionListing::transactionalId)
                    .as("transactional ids remit-<REMIT_WORKER_INSTANCE_ID = pod name>-<n>")
                    .anyMatch(id -> id.startsWith("remit-" + pod + "-"));
        }
    }

    /** The rendered documents by kind/name. */
    private static Map<String, String> documents(String rendered) {
        Map<String, String> docs = new LinkedHashMap<>();
        for (String doc : DOCUMENT_SEPARATOR.split(rendered)) {
            Matcher kind = KIND.matcher(doc);
            Matcher name = NAME.matcher(doc);
            if (kind.find() && name.find())
                docs.put(kind.group(1) + "/" + name.group(1), doc.endsWith("\n") ? doc : doc + "\n");
        }
        return docs;
    }

    /** The Secret's keys and values (stringData, or data already base64) as podman 4.3 reads them: JSON, values base64. */
    @SuppressWarnings("unchecked")
    private static String podmanSecret(String secretYaml) {
        Map<String, Object> secret = new Yaml().load(secretYaml);
        Map<String, String> entries = new LinkedHashMap<>();
        ((Map<String, Object>) secret.getOrDefault("data", Map.of()))
                .forEach((k, v) -> entries.put(k, String.valueOf(v)));
        ((Map<String, Object>) secret.getOrDefault("stringData", Map.of()))
                .forEach((k, v) -> entries.put(
                        k, Base64.getEncoder().encodeToString(String.valueOf(v).getBytes(StandardCharsets.UTF_8))));
        assertThat(entries).as("the Secret's keys").isNotEmpty();
        return JsonMapper.builder().build().writeValueAsString(entries);
    }

    /** helm: .tools/bin/helm (installed by .ci/deploy-checks.sh), else one on PATH; null if none. */
    private static Path helm() {
        Path tools = Repository.path(".tools/bin/helm");
        if (Files.isExecutable(tools)) return tools.toAbsolutePath();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "helm");
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    /** A command's standard output (helm's YAML), its standard error appended only when it fails. */
    private static Podman.Result exec(Duration timeout, String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("helm-", ".out");
        Path errors = Files.createTempFile("helm-", ".err");
        try {
            Process process = new ProcessBuilder(new ArrayList<>(List.of(command)))
                    .redirectOutput(output.toFile())
                    .redirectError(errors.toFile())
                    .start();
            boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) process.destroyForcibly().waitFor();
            int exit = ended ? process.exitValue() : -1;
            return new Podman.Result(exit, Files.readString(output) + (exit == 0 ? "" : Files.readString(errors)));
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
        }
    }
}
