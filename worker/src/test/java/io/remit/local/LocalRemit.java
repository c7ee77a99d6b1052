package io.remit.local;

import io.remit.RemitApplication;
import io.remit.sandbox.FaultsJson;
import io.remit.testing.Infrastructure;
import io.remit.testing.Ports;
import io.remit.testing.TestSettings;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code ./mvnw spring-boot:test-run}: remit on embedded defaults. Starts a real Kafka broker,
 * a real PostgreSQL, the API sandbox with some faults on, remit itself (Actuator on
 * http://localhost:8080/actuator) and a feeder of realistic commands, and prints a live summary.
 * Ctrl-C stops everything.
 */
public final class LocalRemit {
    static final String FAULTS = """
            {"latency":"uniform","latencyMs":5,"latencyMaxMs":40,"error500":0.02,"error503":0.03,
             "burst429":0.002,"burst429Ms":1000,"lost":0.01,"lostAs":"mix","hangMs":3000,
             "webhookDelayMs":200,"webhookDelayMaxMs":3000,"webhookDuplicate":0.05,"webhookReorder":0.1,
             "webhookFailedShare":0.05}""";
    static final String WEBHOOK_SECRET = "local-webhook-secret";

    public static void main(String[] args) {
        Infrastructure infra = Infrastructure.start();
        infra.sandbox.setFaults(FaultsJson.merge(infra.sandbox.faults(), FAULTS));
        Map<String, String> settings = TestSettings.remit(infra, "remit.commands", "remit.commands.dlq", "remit");
        settings.remove("remit.retry.delays"); // the production ladder, 1s … 30s
        settings.remove("remit.topics.partitions");
        settings.put("remit.api.timeout", "2s");
        settings.put("remit.worker.instance-id", "local");
        settings.put("remit.worker.halt-probe-interval", "5s");
        // the broker's and PostgreSQL's own shutdown hooks race remit's: do not wait long for a batch
        settings.put("remit.worker.shutdown-timeout", "3s");
        // Expereon's webhooks, sent by the sandbox, settle what the API accepted (README, Settlements)
        int webhookPort = Ports.free();
        settings.put("remit.webhooks.enabled", "true");
        settings.put("remit.webhooks.port", Integer.toString(webhookPort));
        settings.put("remit.webhooks.secret", WEBHOOK_SECRET);
        infra.sandbox.webhooks().configure("http://127.0.0.1:" + webhookPort + "/webhooks/expereon", WEBHOOK_SECRET);
        settings.forEach(System::setProperty);
        SpringApplication application = new SpringApplication(RemitApplication.class);
        application.setRegisterShutdownHook(false); // stopped below, before the servers it needs
        ConfigurableApplicationContext remit = application.run(args);

        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        infra.bootstrapServers,
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        Feeder feeder = new Feeder(
                producer,
                remit.getEnvironment().getProperty("remit.topics.commands", "remit.commands"),
                infra.sandbox,
                Integer.getInteger("remit.local.rate", 50));
        Thread feeding = Thread.ofPlatform().name("feeder").daemon().start(feeder);
        Summary summary = new Summary(remit.getBean(JdbcTemplate.class));
        Thread summarising = Thread.ofPlatform().name("summary").daemon().start(summary);

        System.out.printf(
                "%nremit is running locally.%n  Kafka      %s%n  PostgreSQL %s (postgres/postgres)%n"
                        + "  Sandbox    %s%n  Actuator   http://localhost:%s/actuator/health, /actuator/prometheus%n"
                        + "  Console    http://localhost:%s/ops/ (with remit.ops.enabled and users)%n"
                        + "  Webhooks   http://localhost:%s/webhooks/expereon (the sandbox sends them)%n"
                        + "Ctrl-C stops everything.%n%n",
                infra.bootstrapServers,
                infra.jdbcUrl,
                infra.sandbox.baseUrl(),
                remit.getEnvironment().getProperty("local.management.port"),
                remit.getEnvironment().getProperty("local.server.port"),
                webhookPort);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            feeder.stop();
                            summary.stop();
                            feeding.interrupt();
                            summarising.interrupt();
                            producer.close();
                            remit.close();
                            infra.close();
                        },
                        "local-remit-stop"));
    }
}
