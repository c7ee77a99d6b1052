package io.remit.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.remit.InvalidConfigurationException;
import io.remit.engine.KafkaClients;
import io.remit.engine.WorkerProperties;
import io.remit.routing.TopicsProperties;
import io.remit.webhook.SettlementOutbox;
import io.remit.webhook.SettlementRelay;
import io.remit.webhook.WebhookMetrics;
import io.remit.webhook.WebhookProperties;
import io.remit.webhook.WebhookReceiver;
import io.remit.webhook.WebhookSignature;
import io.remit.webhook.WebhookStore;
import java.time.Clock;
import java.util.Objects;
import javax.sql.DataSource;
import org.apache.catalina.connector.Connector;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Expereon's webhooks ({@code io.remit.webhook}), only where {@code remit.webhooks.enabled=true}: the receiver on a
 * port of its own (a second connector of the console's server, which serves nothing else there), and the relay of
 * settlement events. The properties are bound (and checked) on every instance.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WebhookProperties.class)
class WebhookConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty("remit.webhooks.enabled")
    static class Receiver {

        /** The receiver's port, added to the main server only (Actuator's server, when apart, is left alone). */
        @Bean
        WebServerFactoryCustomizer<TomcatServletWebServerFactory> webhookConnector(WebhookProperties webhooks) {
            return factory -> {
                Connector connector = new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
                connector.setPort(webhooks.port());
                connector.setMaxPostSize((int) webhooks.maxBody().toBytes());
                // a sender that opens connections and sends nothing, or a body a byte at a time, is cut off
                connector.setProperty("connectionTimeout", "10000");
                connector.setProperty("maxConnections", "1000");
                factory.addAdditionalConnectors(connector);
            };
        }

        /** On the receiver's port: its one path, unauthenticated (the signature is the authentication); else 404. */
        @Bean
        @Order(-1)
        SecurityFilterChain webhookChain(HttpSecurity http, WebhookProperties webhooks) throws Exception {
            return http.securityMatcher(request -> request.getLocalPort() == webhooks.port())
                    .csrf(AbstractHttpConfigurer::disable)
                    .requestCache(AbstractHttpConfigurer::disable)
                    .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                    .exceptionHandling(e -> e.authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.NOT_FOUND)))
                    .authorizeHttpRequests(a -> a.requestMatchers(HttpMethod.POST, webhooks.path())
                            .permitAll()
                            .requestMatchers("/error")
                            .permitAll()
                            .anyRequest()
                            .denyAll())
                    .build();
        }

        @Bean
        WebhookMetrics webhookMetrics(MeterRegistry registry) {
            return new WebhookMetrics(registry);
        }

        @Bean
        WebhookStore webhookStore(JdbcTemplate jdbc, TransactionTemplate transaction) {
            return new WebhookStore(jdbc, transaction);
        }

        @Bean
        WebhookReceiver webhookReceiver(
                WebhookProperties webhooks, WebhookStore store, WebhookMetrics metrics, Clock clock) {
            return new WebhookReceiver(
                    webhooks,
                    new WebhookSignature(
                            Objects.requireNonNull(webhooks.secret(), "required when enabled (WebhookProperties)"),
                            webhooks.previousSecret()),
                    store,
                    metrics,
                    clock);
        }

        /**
         * One transactional id for every instance ({@code <group>-settlements}), so that a relay that starts fences a
         * former one; its position is kept as the offset of the consumer group of the same name.
         */
        @Bean
        SettlementRelay settlementRelay(
                JdbcTemplate jdbc,
                TransactionTemplate transaction,
                DataSource dataSource,
                WebhookStore store,
                KafkaClients kafka,
                WorkerProperties worker,
                TopicsProperties topics,
                WebhookProperties webhooks,
                WebhookMetrics metrics,
                Clock clock) {
            if (!topics.outcomeEvents())
                throw new InvalidConfigurationException(
                        "remit.webhooks.enabled=true needs remit.topics.outcome-events=true: settlement events go to "
                                + "the outcomes topic");
            String name = worker.groupId() + "-settlements";
            String client = "remit-" + worker.instanceId() + "-settlements";
            return new SettlementRelay(
                    new SettlementOutbox(jdbc, transaction),
                    store,
                    dataSource,
                    () -> kafka.transactionalProducer(name, client, "settlements"),
                    () -> kafka.offsetReader(name, client + "-position"),
                    topics.outcomes(),
                    name,
                    webhooks,
                    metrics,
                    clock);
        }
    }
}
