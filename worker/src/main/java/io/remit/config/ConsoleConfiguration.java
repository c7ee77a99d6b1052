package io.remit.config;

import io.remit.api.ApiProperties;
import io.remit.console.CommandsTopic;
import io.remit.console.ConsoleApi;
import io.remit.console.ConsolePages;
import io.remit.console.ConsoleSecurity;
import io.remit.console.ConsoleUsers;
import io.remit.console.DeadLetterProperties;
import io.remit.console.DeadLetterReader;
import io.remit.console.DeadLetterRetention;
import io.remit.console.OpsProperties;
import io.remit.console.RecordDecoder;
import io.remit.console.RedriveLedger;
import io.remit.console.RedrivePublisher;
import io.remit.console.RedriveRunner;
import io.remit.console.Redrives;
import io.remit.engine.WorkerProperties;
import io.remit.routing.TopicsProperties;
import java.time.Clock;
import java.util.UUID;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the operator's console ({@code io.remit.console}): security on every instance (Actuator's
 * probes and scrape open, {@code /ops/} closed unless {@code remit.ops.enabled} and users are set),
 * the retention of stored dead letters on every instance, and the console itself (API, page,
 * redrives) only where {@code remit.ops.enabled=true}.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@EnableConfigurationProperties({OpsProperties.class, DeadLetterProperties.class})
class ConsoleConfiguration {

    @Bean
    InMemoryUserDetailsManager consoleUsers(OpsProperties ops) {
        return ConsoleUsers.of(ops);
    }

    @Bean
    PasswordEncoder consolePasswordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    @Order(1)
    SecurityFilterChain consoleApiChain(HttpSecurity http, OpsProperties ops) throws Exception {
        return ops.open() ? ConsoleSecurity.api(http) : ConsoleSecurity.closed(http, ConsoleSecurity.API);
    }

    @Bean
    @Order(2)
    SecurityFilterChain consolePageChain(HttpSecurity http, OpsProperties ops) throws Exception {
        return ops.open() ? ConsoleSecurity.page(http) : ConsoleSecurity.closed(http, ConsoleSecurity.PAGE);
    }

    @Bean
    @Order(3)
    SecurityFilterChain actuatorChain(HttpSecurity http) throws Exception {
        return ConsoleSecurity.rest(http);
    }

    @Bean
    DeadLetterRetention deadLetterRetention(JdbcTemplate jdbc, DeadLetterProperties deadLetters, Clock clock) {
        return new DeadLetterRetention(jdbc, deadLetters, clock);
    }

    /** The console proper: only on instances with {@code remit.ops.enabled=true}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty("remit.ops.enabled")
    static class Console {

        @Bean
        RecordDecoder recordDecoder() {
            return new RecordDecoder(JsonMapper.builder().build());
        }

        @Bean
        DeadLetterReader deadLetterReader(JdbcTemplate jdbc, RecordDecoder decoder, Clock clock) {
            return new DeadLetterReader(jdbc, decoder, clock);
        }

        @Bean
        RedriveLedger redriveLedger(
                JdbcTemplate jdbc,
                TransactionTemplate transaction,
                Clock clock,
                TopicsProperties topics,
                ApiProperties api) {
            return new RedriveLedger(
                    jdbc, transaction, JsonMapper.builder().build(), clock, topics.commands(), api.idempotencyWindow());
        }

        @Bean
        CommandsTopic commandsTopic(KafkaProperties kafka, TopicsProperties topics) {
            return new CommandsTopic(topics.commands(), kafka.buildAdminProperties(), kafka.buildConsumerProperties());
        }

        @Bean
        RedriveRunner redriveRunner(
                RedriveLedger ledger,
                KafkaProperties kafka,
                TopicsProperties topics,
                CommandsTopic commands,
                RecordDecoder decoder,
                OpsProperties ops,
                WorkerProperties worker,
                Clock clock) {
            RedrivePublisher publisher = new RedrivePublisher(
                    kafka.buildProducerProperties(),
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
