package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.remit.command.ParsedCommand;
import io.remit.routing.Decision;
import io.remit.telemetry.RemitMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** A dead letter is logged once, when it is committed, with the fields of its record; the MDC is left clean. */
class RecordLogTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(Recorder.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Recorder recorder = new Recorder(
            null,
            new RemitMetrics(new SimpleMeterRegistry(), Map.of(), () -> false, () -> Duration.ZERO),
            topic -> false);

    RecordLogTest() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(appender);
    }

    @Test
    void aCommittedDeadLetterIsLoggedOnceWithItsRecordsFields() {
        Pending dead =
                pending(7, "pay-9", new Decision.DeadLetter(409, "INVOICE_INVALID_STATUS", "Invoice is SUBMITTED"));
        Pending done = pending(8, "pay-10", new Decision.Complete(201, "pay_1"));

        recorder.count(List.of(dead, done));

        assertThat(appender.list).hasSize(1);
        ILoggingEvent line = appender.list.getFirst();
        assertThat(line.getFormattedMessage())
                .isEqualTo(
                        "dead-lettered pay-9 (payment.create): INVOICE_INVALID_STATUS (HTTP 409) Invoice is SUBMITTED");
        assertThat(line.getMDCPropertyMap())
                .containsEntry("requestId", "pay-9")
                .containsEntry("commandType", "payment.create")
                .containsEntry("topic", "remit.commands")
                .containsEntry("partition", "2")
                .containsEntry("offset", "7");
        assertThat(MDC.getCopyOfContextMap())
                .as("nothing left behind on the loop thread")
                .isNullOrEmpty();
    }

    private static Pending pending(long offset, String key, Decision decision) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(
                "remit.commands",
                2,
                offset,
                key.getBytes(StandardCharsets.UTF_8),
                "{}".getBytes(StandardCharsets.UTF_8));
        Pending p =
                new Pending(record, new ParsedCommand.Invalid("COMMAND_INVALID", "m", key, "payment.create"), key, 0);
        p.result = new Processed(
                record, key, "payment.create", Processed.Provenance.FRESH, decision, 1, null, Instant.EPOCH);
        return p;
    }
}
