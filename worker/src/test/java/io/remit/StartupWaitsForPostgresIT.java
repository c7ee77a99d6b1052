package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.KafkaProbe;
import io.remit.testing.Ports;
import io.remit.testing.RestartablePostgres;
import io.remit.testing.TestSettings;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Found by the chaos run: a worker restarted while PostgreSQL was down exited at start-up
 * (Flyway could not connect) and stayed dead. It must wait for the database instead.
 */
class StartupWaitsForPostgresIT {
    @Test
    void aWorkerStartedBeforePostgresWaitsForItAndThenWorks() throws Exception {
        Infrastructure infra = Infrastructure.get();
        RestartablePostgres postgres =
                new RestartablePostgres(Files.createTempDirectory("remit-late-pg"), Ports.free());
        Map<String, Object> settings =
                new HashMap<>(TestSettings.remit(infra, "late.commands", "late.commands.dlq", "late"));
        settings.put("spring.datasource.url", postgres.jdbcUrl());
        settings.put("spring.datasource.username", "postgres");
        settings.put("spring.datasource.password", "postgres");
        settings.put("server.port", "0");
        settings.put("management.server.port", "0");
        CompletableFuture<ConfigurableApplicationContext> starting = CompletableFuture.supplyAsync(
                () -> new SpringApplicationBuilder(RemitApplication.class).run(TestSettings.asArguments(settings)));
        try {
            Thread.sleep(4000);
            assertThat(starting).isNotDone();
            postgres.start();
            try (ConfigurableApplicationContext remit = starting.get(90, TimeUnit.SECONDS);
                    KafkaProbe kafka = new KafkaProbe(infra.bootstrapServers)) {
                String key = "late-" + System.nanoTime();
                kafka.send("late.commands", key, Commands.createInvoice(key));
                JdbcTemplate jdbc =
                        new JdbcTemplate(new DriverManagerDataSource(postgres.jdbcUrl(), "postgres", "postgres"));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> jdbc.queryForList(
                                        "select status from command_outcome where request_id = ?", String.class, key)
                                .contains("SUCCEEDED"));
            }
        } finally {
            postgres.stop();
        }
    }
}
