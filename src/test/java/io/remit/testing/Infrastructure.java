package io.remit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import io.remit.sandbox.SandboxServer;

/**
 * The real things remit runs against in tests, started once per JVM: a Kafka broker, a
 * PostgreSQL server and the API sandbox. Where a Docker engine answers, Kafka and PostgreSQL
 * run as Testcontainers; elsewhere (as on CI here) as the embedded KRaft broker and zonky's
 * embedded PostgreSQL, both real servers on loopback.
 */
public final class Infrastructure {
    private static Infrastructure instance;

    public final String bootstrapServers;
    public final String jdbcUrl;
    public final String dbUser;
    public final String dbPassword;
    public final SandboxServer sandbox;

    private Infrastructure(String bootstrapServers, String jdbcUrl, String dbUser, String dbPassword, SandboxServer sandbox) {
        this.bootstrapServers = bootstrapServers;
        this.jdbcUrl = jdbcUrl;
        this.dbUser = dbUser;
        this.dbPassword = dbPassword;
        this.sandbox = sandbox;
    }

    public static synchronized Infrastructure get() {
        if (instance == null) instance = DockerClientFactory.instance().isDockerAvailable() ? containers() : embedded();
        return instance;
    }

    private static Infrastructure embedded() {
        EmbeddedKafkaKraftBroker kafka = startEmbeddedKafka();
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                kafka.destroy();
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }));
            return new Infrastructure(kafka.getBrokersAsString(), postgres.getJdbcUrl("postgres", "postgres"),
                    "postgres", "postgres", SandboxServer.start());
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start", e);
        }
    }

    public static EmbeddedKafkaKraftBroker startEmbeddedKafka() {
        EmbeddedKafkaKraftBroker kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "offsets.topic.replication.factor", "1",
                "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        return kafka;
    }

    @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
    private static Infrastructure containers() {
        KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");
        PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:17");
        kafka.start();
        postgres.start();
        return new Infrastructure(kafka.getBootstrapServers(), postgres.getJdbcUrl(), postgres.getUsername(),
                postgres.getPassword(), SandboxServer.start());
    }
}
