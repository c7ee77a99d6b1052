package io.remit.chaos;

import io.remit.testing.JavaProcess;
import io.remit.testing.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A single-node KRaft Kafka broker in its own JVM, from the test classpath, on fixed ports and a
 * kept log directory, so it can be killed and started again with its data.
 */
final class StandaloneKafka implements AutoCloseable {
    private final int port;
    private final JavaProcess process;

    StandaloneKafka(Path dir) throws IOException, InterruptedException {
        this.port = Ports.free();
        int controllerPort = Ports.free();
        Path config = dir.resolve("server.properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "process.roles=broker,controller",
                        "node.id=1",
                        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                        "controller.listener.names=CONTROLLER",
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                        "inter.broker.listener.name=PLAINTEXT",
                        "log.dirs=" + dir.resolve("data"),
                        "offsets.topic.replication.factor=1",
                        "offsets.topic.num.partitions=6",
                        "transaction.state.log.replication.factor=1",
                        "transaction.state.log.min.isr=1",
                        "transaction.state.log.num.partitions=6",
                        "group.initial.rebalance.delay.ms=0",
                        "auto.create.topics.enable=false",
                        ""));
        List<String> jvm = List.of("-Xmx768m", "-XX:+UseSerialGC");
        JavaProcess format = new JavaProcess(
                "kafka-format",
                "kafka.tools.StorageTool",
                jvm,
                List.of(
                        "format",
                        "-t",
                        org.apache.kafka.common.Uuid.randomUuid().toString(),
                        "-c",
                        config.toString()),
                dir.resolve("format.log"));
        format.start();
        while (format.isAlive()) Thread.sleep(100);
        this.process =
                new JavaProcess("kafka", "kafka.Kafka", jvm, List.of(config.toString()), dir.resolve("kafka.log"));
        start();
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    void start() throws InterruptedException {
        process.start();
        awaitReady(Duration.ofSeconds(60));
    }

    void kill() {
        process.kill();
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrapServers(),
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                    2000,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    2000))) {
                admin.describeCluster().nodes().get();
                return;
            } catch (Exception e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("Kafka did not start; see " + process.log());
    }

    @Override
    public void close() {
        process.kill();
    }
}
