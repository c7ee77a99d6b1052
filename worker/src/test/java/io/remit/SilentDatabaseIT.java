package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.KafkaProbe;
import io.remit.testing.SilentProxy;
import io.remit.testing.TestSettings;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A silent network between remit and PostgreSQL (issue 20, item 3, for the database): packets stop, nothing is closed
 * or reset, so only remit's own timeouts can notice. remit reaches PostgreSQL through a {@link SilentProxy}, with a
 * 3 s statement timeout here (30 s by default). While it is silent, the engine's statements fail instead of hanging,
 * it says so, nothing is decided without its lookup, and liveness stays UP; once the network is back, every command
 * sent meanwhile succeeds once and the partitions commit to their end.
 */
@SpringBootTest(classes = RemitApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// a context of its own: closed after this class, so its worker does not poll Kafka beside the tests that follow
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class SilentDatabaseIT {
    private static final Infrastructure infra = Infrastructure.get();
    private static final KafkaProbe kafka = new KafkaProbe(infra.bootstrapServers);
    private static final SilentProxy proxy = proxyToPostgres();
    private static final String TOPIC = "silent.commands";

    private final JdbcTemplate direct =
            new JdbcTemplate(new DriverManagerDataSource(infra.jdbcUrl, infra.dbUser, infra.dbPassword));

    @Autowired
    ApplicationAvailability availability;

    @Autowired
    DataSource dataSource;

    @DynamicPropertySource
    static void remit(DynamicPropertyRegistry registry) {
        Map<String, String> settings = TestSettings.remit(infra, TOPIC, TOPIC + ".dlq", "silent");
        settings.put(
                "spring.datasource.url", infra.jdbcUrl.replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/"));
        settings.put("spring.datasource.hikari.data-source-properties.socketTimeout", "3");
        settings.put("spring.datasource.hikari.data-source-properties.connectTimeout", "3");
        settings.put("spring.datasource.hikari.data-source-properties.loginTimeout", "3");
        settings.put("spring.datasource.hikari.connection-timeout", "3000");
        settings.forEach((name, value) -> registry.add(name, () -> value));
    }

    private static SilentProxy proxyToPostgres() {
        Matcher m = Pattern.compile("//([^/:]+):(\\d+)/").matcher(infra.jdbcUrl);
        if (!m.find()) throw new IllegalStateException("cannot read host and port of " + infra.jdbcUrl);
        return new SilentProxy(m.group(1), Integer.parseInt(m.group(2)));
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @Test
    void aSilentDatabaseIsNoticedByRemitsOwnTimeoutsAndNothingIsLostWhenItSpeaksAgain(CapturedOutput output)
            throws Exception {
        String run = "silent-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> before = send(run + "-before-", 5);
        await().atMost(Duration.ofSeconds(30)).until(() -> succeeded(before) == before.size());

        proxy.silence(true);
        List<String> during = send(run + "-during-", 20);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> output.getOut().contains("cannot read stored outcomes")
                        || output.getOut().contains("decisions not yet stored"));
        Thread.sleep(5_000);
        assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);
        assertThat(output.getOut())
                .as("the cause is said: a statement that got no answer")
                .containsPattern("(?i)(timed out|timeout|SocketTimeoutException)");

        proxy.silence(false);
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> succeeded(during) == during.size());
        for (String key : during)
            assertThat(infra.sandbox.ledger().effects(key)).as(key).isEqualTo(1);
        assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);
    }

    /**
     * A pod that dies inside a transaction sends nothing more: PostgreSQL ends its session after 30 s (remit's
     * connections set idle_in_transaction_session_timeout), and the locks it held (here an advisory one; in the engine,
     * its partitions' leases and the rows it wrote) are free, not held for the two hours of TCP's defaults.
     */
    @Test
    void aTransactionLeftOpenByAVanishedClientEndsAndFreesItsLocks() throws Exception {
        Connection vanished = dataSource.getConnection();
        try {
            vanished.setAutoCommit(false);
            try (Statement statement = vanished.createStatement()) {
                statement.execute("select pg_advisory_xact_lock(4242)");
            }
            assertThat(direct.queryForObject("select pg_try_advisory_xact_lock(4242)", Boolean.class))
                    .isFalse();
            long started = System.nanoTime();

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> direct.queryForObject("select pg_try_advisory_xact_lock(4242)", Boolean.class));

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofSeconds(20));
        } finally {
            vanished.abort(Runnable::run);
        }
    }

    private static List<String> send(String prefix, int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = prefix + i;
            keys.add(key);
            kafka.send(TOPIC, key, Commands.createInvoice(key));
        }
        return keys;
    }

    private long succeeded(List<String> keys) {
        return direct.queryForObject(
                "select count(*) from command_outcome where request_id = any(?::text[]) and status = 'SUCCEEDED'",
                Long.class,
                (Object) keys.toArray(String[]::new));
    }
}
