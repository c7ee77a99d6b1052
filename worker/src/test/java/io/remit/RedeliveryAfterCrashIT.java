package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.sandbox.Faults;
import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.TestSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A remit that stops between the API applying a command and the batch's commit: its successor
 * gets the command again, sends it with the same requestId, and the API applies it once.
 */
class RedeliveryAfterCrashIT {
    private static final Infrastructure infra = Infrastructure.get();

    @AfterEach
    void calm() {
        infra.sandbox.setFaults(Faults.NONE);
    }

    private static ConfigurableApplicationContext startRemit() {
        Map<String, Object> properties =
                new HashMap<>(TestSettings.remit(infra, "crash.commands", "crash.commands.dlq", "crash"));
        properties.put("remit.worker.shutdown-timeout", "100ms");
        properties.put("remit.api.timeout", "10s");
        properties.put("server.port", "0");
        properties.put("management.server.port", "0");
        return new SpringApplicationBuilder(RemitApplication.class).run(TestSettings.asArguments(properties));
    }

    @Test
    void aCommandAppliedButNotCommittedIsAppliedOnceAfterRedelivery() {
        ConfigurableApplicationContext first = startRemit();
        infra.sandbox.setFaults(SandboxFaults.of("{\"latency\":\"fixed\",\"latencyMs\":2000}"));
        String key = WorkerTestSupport.id("crash");
        WorkerTestSupport.kafka.send("crash.commands", key, Commands.createInvoice(key));
        await().atMost(Duration.ofSeconds(15))
                .until(() -> infra.sandbox.ledger().calls(key) == 1);

        first.close(); // abandons the batch in flight: nothing committed, nothing recorded
        await().atMost(Duration.ofSeconds(5)).until(() -> infra.sandbox.ledger().effects(key) == 1);
        infra.sandbox.setFaults(Faults.NONE);
        JdbcTemplate jdbc = new JdbcTemplate(new org.springframework.jdbc.datasource.DriverManagerDataSource(
                infra.jdbcUrl, infra.dbUser, infra.dbPassword));
        assertThat(jdbc.queryForList("select status from command_outcome where request_id = ?", String.class, key))
                .isEmpty();

        try (ConfigurableApplicationContext second = startRemit()) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> jdbc.queryForList(
                                    "select status from command_outcome where request_id = ?", String.class, key)
                            .contains("SUCCEEDED"));
        }
        assertThat(infra.sandbox.ledger().calls(key)).isEqualTo(2);
        assertThat(infra.sandbox.ledger().effects(key)).isEqualTo(1);
    }
}
