package io.remit.testing;

import io.remit.sandbox.SandboxServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The real things remit runs against in tests, started once per JVM: a Kafka broker, a
 * PostgreSQL server and the API sandbox. Where a Docker engine answers, Kafka and PostgreSQL
 * run as Testcontainers; elsewhere (as on CI here) as the embedded KRaft broker and zonky's
 * embedded PostgreSQL, both real servers on loopback.
 */
public final class Infrastructure implements AutoCloseable {
    private static Infrastructure instance;

    public final String bootstrapServers;
    public final String jdbcUrl;
    public final String dbUser;
    public final String dbPassword;
    public final SandboxServer sandbox;

    private final AutoCloseable servers;

    private Infrastructure(
            String bootstrapServers,
            String jdbcUrl,
            String dbUser,
            String dbPassword,
            SandboxServer sandbox,
            AutoCloseable servers) {
        this.bootstrapServers = bootstrapServers;
        this.jdbcUrl = jdbcUrl;
        this.dbUser = dbUser;
        this.dbPassword = dbPassword;
        this.sandbox = sandbox;
        this.servers = servers;
    }

    /** The JVM-wide instance for tests, stopped when the JVM ends. */
    public static synchronized Infrastructure get() {
        if (instance == null) {
            instance = start();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::close, "infrastructure-stop"));
        }
        return instance;
    }

    /** A new set of servers; the caller closes it. */
    public static Infrastructure start() {
        return start(Map.of());
    }

    /**
     * A new set of servers, the embedded PostgreSQL with these server settings (e.g. {@code shared_preload_libraries});
     * the caller closes it. Only the embedded PostgreSQL takes them: where Docker runs the servers as containers, their
     * PostgreSQL starts with its own.
     */
    public static Infrastructure start(Map<String, String> postgresSettings) {
        return DockerClientFactory.instance().isDockerAvailable() ? containers() : embedded(postgresSettings);
    }

    /** Stops the sandbox, then the broker and PostgreSQL (no postmaster is left behind). */
    @Override
    public void close() {
        sandbox.close();
        try {
            servers.close();
        } catch (Exception e) {
            System.err.println("stopping the test servers failed: " + e);
        }
    }

    private static Infrastructure embedded(Map<String, String> postgresSettings) {
        EmbeddedKafkaKraftBroker kafka = startEmbeddedKafka();
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            postgresSettings.forEach(builder::setServerConfig);
            EmbeddedPostgres postgres = builder.start();
            AutoCloseable servers = () -> {
                kafka.destroy();
                postgres.close();
            };
            return new Infrastructure(
                    kafka.getBrokersAsString(),
                    postgres.getJdbcUrl("postgres", "postgres"),
                    "postgres",
                    "postgres",
                    SandboxServer.start(),
                    servers);
        } catch (IOException e) {
            kafka.destroy();
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
                "auto.create.topics.enable", "false",
                // group.protocol=consumer (KIP-848): sessions and heartbeats are the broker's settings; short ones let
                // a test see a frozen member replaced in seconds, as session.timeout.ms does for the classic protocol
                "group.consumer.min.session.timeout.ms", "6000",
                "group.consumer.session.timeout.ms", "6000",
                "group.consumer.min.heartbeat.interval.ms", "1000",
                "group.consumer.heartbeat.interval.ms", "1000"));
        kafka.afterPropertiesSet();
        return kafka;
    }

    private static Infrastructure containers() {
        KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");
        PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:17");
        kafka.start();
        postgres.start();
        AutoCloseable servers = () -> {
            kafka.stop();
            postgres.stop();
        };
        return new Infrastructure(
                kafka.getBootstrapServers(),
                postgres.getJdbcUrl(),
                postgres.getUsername(),
                postgres.getPassword(),
                SandboxServer.start(),
                servers);
    }
}
