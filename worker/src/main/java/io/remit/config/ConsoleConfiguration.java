package io.remit.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.remit.api.ApiProperties;
import io.remit.console.OpsProperties;
import io.remit.console.deadletter.DeadLetterReader;
import io.remit.console.deadletter.RecordDecoder;
import io.remit.console.redrive.CommandsTopic;
import io.remit.console.redrive.RedriveLedger;
import io.remit.console.redrive.RedrivePublisher;
import io.remit.console.redrive.RedriveRunner;
import io.remit.console.redrive.Redrives;
import io.remit.console.web.ConsoleApi;
import io.remit.console.web.ConsolePages;
import io.remit.console.web.ConsoleSecurity;
import io.remit.console.web.ConsoleServer;
import io.remit.console.web.ConsoleUsers;
import io.remit.console.web.LoginThrottle;
import io.remit.engine.KafkaClients;
import io.remit.engine.WorkerProperties;
import io.remit.routing.TopicsProperties;
import java.time.Clock;
import java.util.UUID;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the operator's console ({@code io.remit.console}): its security on every instance ({@code /ops/} served only
 * on the console's port, and closed there unless {@code remit.ops.enabled} and users are set; Actuator's chains are
 * {@link ManagementSecurity}'s), and the console itself (API, page, redrives) only where {@code remit.ops.enabled=true}.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@EnableConfigurationProperties(OpsProperties.class)
class ConsoleConfiguration {

    @Bean
    InMemoryUserDetailsManager consoleUsers(OpsProperties ops) {
        return ConsoleUsers.of(ops);
    }

    /**
     * {@code {bcrypt}} hashes, and for an unknown user a dummy check at the cost of the configured users' hashes (their
     * highest), so that how long a refusal takes says nothing of whether the name exists.
     */
    @Bean
    PasswordEncoder consolePasswordEncoder(OpsProperties ops) {
        return ConsoleUsers.passwordEncoder(ops);
    }

    @Bean
    LoginThrottle loginThrottle(OpsProperties ops, MeterRegistry registry) {
        return new LoginThrottle(ops.throttle(), registry);
    }

    @Bean
    ConsoleServer consoleServer() {
        return new ConsoleServer();
    }

    @Bean
    @Order(1)
    SecurityFilterChain consoleApiChain(HttpSecurity http, OpsProperties ops, LoginThrottle throttle) throws Exception {
        return ops.open() ? ConsoleSecurity.api(http, throttle) : ConsoleSecurity.closed(http, ConsoleSecurity.API);
    }

    @Bean
    @Order(2)
    SecurityFilterChain consolePageChain(HttpSecurity http, OpsProperties ops, LoginThrottle throttle)
            throws Exception {
        return ops.open() ? ConsoleSecurity.page(http, throttle) : ConsoleSecurity.closed(http, ConsoleSecurity.PAGE);
    }

    /** The console proper: only on instances with {@code remit.ops.enabled=true}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty("remit.ops.enabled")
    static class Console {

        /** Boot's {@code JsonMapper}, the one the console's API answers with. */
        @Bean
        RecordDecoder recordDecoder(JsonMapper json) {
            return new RecordDecoder(json);
        }

        @Bean
        DeadLetterReader deadLetterReader(JdbcTemplate jdbc, RecordDecoder decoder, Clock clock) {
            return new DeadLetterReader(jdbc, decoder, clock);
        }

        @Bean
        RedriveLedger redriveLedger(
                JdbcTemplate jdbc,
                TransactionTemplate transaction,
                JsonMapper json,
                Clock clock,
                TopicsProperties topics,
                ApiProperties api,
                ProducerFactory<?, ?> producers) {
            return new RedriveLedger(
                    jdbc,
                    transaction,
                    json,
                    clock,
                    topics.commands(),
                    api.idempotencyWindow(),
                    KafkaClients.maxRequestSize(producers.getConfigurationProperties()));
        }

        @Bean
        /** Its clients from Boot's factories' configuration, as the engine's: every spring.kafka.* setting, SSL bundles included. */
        CommandsTopic commandsTopic(KafkaAdmin admin, ConsumerFactory<?, ?> consumers, TopicsProperties topics) {
            return new CommandsTopic(
                    topics.commands(),
                    KafkaClients.withoutNulls(admin.getConfigurationProperties()),
                    KafkaClients.withoutNulls(consumers.getConfigurationProperties()));
        }

        @Bean
        RedriveRunner redriveRunner(
                RedriveLedger ledger,
                ProducerFactory<?, ?> producers,
                TopicsProperties topics,
                CommandsTopic commands,
                RecordDecoder decoder,
                OpsProperties ops,
                WorkerProperties worker,
                Clock clock) {
            RedrivePublisher publisher = new RedrivePublisher(
                    KafkaClients.withoutNulls(producers.getConfigurationProperties()),
                    topics.commands(),
                    ops.redrive().transactionTimeout());
            // one owner per process: two processes given the same instance id still never run one redrive together
            String owner =
                    worker.instanceId() + "/" + UUID.randomUUID().toString().substring(0, 8);
            return new RedriveRunner(ledger, publisher, commands, decoder, ops.redrive(), owner, clock);
        }

        @Bean
        Redrives redrives(RedriveLedger ledger, RedriveRunner runner, OpsProperties ops) {
            return new Redrives(ledger, runner, ops.redrive());
        }

        @Bean
        ConsoleApi consoleApi(DeadLetterReader reader, Redrives redrives) {
            return new ConsoleApi(reader, redrives);
        }

        @Bean
        ConsolePages consolePages(DeadLetterReader reader, Redrives redrives) {
            return new ConsolePages(reader, redrives);
        }
    }
}
