package io.remit.config;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.remit.Json;
import io.remit.api.ApiProperties;
import io.remit.api.BreakerProperties;
import io.remit.api.OutageBreaker;
import io.remit.api.PaymentsApi;
import io.remit.api.ResponseClassifier;
import io.remit.api.TraceHeaders;
import io.remit.command.CommandParser;
import io.remit.engine.EngineLifecycle;
import io.remit.engine.EngineSeams;
import io.remit.engine.InstanceIdGuard;
import io.remit.engine.IntakeGate;
import io.remit.engine.IntakeHealthIndicator;
import io.remit.engine.KafkaClients;
import io.remit.engine.WorkerProperties;
import io.remit.routing.OutboundRecords;
import io.remit.routing.OutcomeRouter;
import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;
import io.remit.store.DeadLetterProperties;
import io.remit.store.DeadLetterRetention;
import io.remit.store.InstanceRegistry;
import io.remit.store.JdbcOutcomeStore;
import io.remit.store.OutcomeStore;
import io.remit.telemetry.MicrometerRecordTracing;
import io.remit.telemetry.RecordTracing;
import io.remit.telemetry.RemitMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/** Wires remit's pieces; every knob comes from the {@code remit.*} properties records. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
    ApiProperties.class,
    BreakerProperties.class,
    DeadLetterProperties.class,
    RetryProperties.class,
    TopicsProperties.class,
    WorkerProperties.class
})
class RemitConfiguration {
    private static final Logger log = LoggerFactory.getLogger(RemitConfiguration.class);

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    RetryLadder retryLadder(TopicsProperties topics, RetryProperties retry) {
        return new RetryLadder(topics, retry);
    }

    @Bean
    PaymentsApi paymentsApi(
            ApiProperties api, RetryProperties retry, Clock clock, MeterRegistry registry, RecordTracing tracing) {
        JsonMapper json = Json.MAPPER;
        // the current span of the same tracing, as W3C headers on each request
        TraceHeaders traceHeaders = tracing instanceof TraceHeaders headers ? headers : TraceHeaders.NONE;
        PaymentsApi client =
                new PaymentsApi(api, new ResponseClassifier(json, clock, retry.codeActions()), json, traceHeaders);
        client.bindMetrics(registry);
        return client;
    }

    @Bean
    OutageBreaker outageBreaker(BreakerProperties properties, ApiProperties api, MeterRegistry registry) {
        OutageBreaker breaker = new OutageBreaker(properties, api.timeout());
        Gauge.builder("remit.breaker.state", breaker::stateCode)
                .description("The outage breaker: 0 closed, 1 open (intake paused: the API is down), 2 half-open")
                .register(registry);
        return breaker;
    }

    @Bean
    OutcomeStore outcomeStore(JdbcTemplate jdbc, TransactionTemplate transaction) {
        return new JdbcOutcomeStore(jdbc, transaction);
    }

    /** On every instance: the engine writes dead letters everywhere. */
    @Bean
    DeadLetterRetention deadLetterRetention(JdbcTemplate jdbc, DeadLetterProperties deadLetters, Clock clock) {
        return new DeadLetterRetention(jdbc, deadLetters, clock);
    }

    @Bean
    IntakeGate intakeGate(ApplicationEventPublisher events) {
        return new IntakeGate(events);
    }

    /** Health component {@code instanceId}: DOWN while another live process runs with this instance id. */
    @Bean
    InstanceIdGuard instanceIdHealthIndicator(
            JdbcTemplate jdbc, TransactionTemplate transaction, WorkerProperties worker, MeterRegistry registry) {
        return new InstanceIdGuard(
                new InstanceRegistry(jdbc, transaction), worker.instanceId(), Duration.ofSeconds(5), registry);
    }

    @Bean
    IntakeHealthIndicator intakeHealthIndicator(IntakeGate gate) {
        return new IntakeHealthIndicator(gate);
    }

    @Bean
    RemitMetrics remitMetrics(MeterRegistry registry, RetryLadder ladder, IntakeGate gate) {
        Map<String, String> tierByTopic = new LinkedHashMap<>();
        ladder.tiers().forEach(tier -> tierByTopic.put(tier.topic(), tier.name()));
        return new RemitMetrics(registry, tierByTopic, gate::isHalted, gate::oldestUncommittedAge);
    }

    @Bean
    KafkaClients kafkaClients(
            ConsumerFactory<?, ?> consumers,
            ProducerFactory<?, ?> producers,
            KafkaAdmin admin,
            WorkerProperties worker,
            TopicsProperties topics,
            RetryLadder ladder,
            MeterRegistry registry) {
        return new KafkaClients(consumers, producers, admin, worker, topics, ladder, registry);
    }

    /**
     * Spans for API calls and commits on Micrometer Tracing's OpenTelemetry bridge (exported only where
     * {@code management.opentelemetry.tracing.export.otlp.endpoint} is set); none where tracing is off.
     */
    @Bean
    RecordTracing recordTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        Tracer t = tracer.getIfAvailable();
        Propagator p = propagator.getIfAvailable();
        return t == null || p == null || t == Tracer.NOOP ? RecordTracing.NONE : new MicrometerRecordTracing(t, p);
    }

    @Bean
    EngineLifecycle engineLifecycle(
            KafkaClients kafka,
            WorkerProperties worker,
            ApiProperties apiProperties,
            PaymentsApi api,
            OutageBreaker breaker,
            RetryLadder ladder,
            RetryProperties retry,
            TopicsProperties topics,
            OutcomeStore store,
            IntakeGate gate,
            RemitMetrics metrics,
            RecordTracing tracing,
            Clock clock) {
        OutcomeRouter router = new OutcomeRouter(
                ladder, retry.jitter(), clock, () -> ThreadLocalRandom.current().nextDouble());
        warnOfLaddersLongerThanTheWindow(retry, apiProperties.idempotencyWindow());
        EngineSeams seams = new EngineSeams(
                new CommandParser(),
                breaker.guard(api),
                breaker::isOpen,
                apiProperties.maxInFlight(),
                store,
                new OutboundRecords(topics, kafka.maxRecordBytes()),
                router,
                ladder,
                retry.jitter(),
                metrics,
                tracing,
                clock,
                apiProperties.idempotencyWindow());
        return new EngineLifecycle(kafka, worker, gate, seams);
    }

    /**
     * A ladder whose delays add up to more than the API's idempotency window cannot be climbed to its end after an
     * ambiguous failure: its last attempts end OUTCOME_UNKNOWN instead of being sent. Said once, at start-up.
     */
    static void warnOfLaddersLongerThanTheWindow(RetryProperties retry, Duration window) {
        Map<String, List<Duration>> ladders = new LinkedHashMap<>();
        ladders.put("remit.retry.delays", retry.delays());
        retry.codeLadders().forEach((code, delays) -> ladders.put("remit.retry.codes." + code, delays));
        ladders.forEach((name, delays) -> {
            Duration sum = delays.stream().reduce(Duration.ZERO, Duration::plus);
            Duration withJitter = Duration.ofMillis(Math.round(sum.toMillis() * (1 + retry.jitter())));
            if (withJitter.compareTo(window) > 0)
                log.warn(
                        "{} adds up to {} ({} with jitter), more than remit.api.idempotency-window {}: after an ambiguous "
                                + "failure (a timeout, a 5xx) its last attempts end OUTCOME_UNKNOWN instead of being sent",
                        name,
                        sum,
                        withJitter,
                        window);
        });
    }
}
