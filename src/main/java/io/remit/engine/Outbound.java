package io.remit.engine;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.producer.ProducerRecord;

import io.remit.routing.Decision;
import io.remit.routing.OutboundRecords;

/** The record a decided record produces when its commit point passes it: a retry, a dead letter, or none. */
final class Outbound {
    /** A dead letter (or retry) Kafka refused even on its own: dead-lettered with key and remit's headers only. */
    static final String OUTBOUND_REFUSED = "OUTBOUND_REFUSED";

    private final OutboundRecords records;

    Outbound(OutboundRecords records) {
        this.records = records;
    }

    /**
     * The records a decision produces: a retry; a dead letter and its outcome event; a success's outcome event;
     * nothing for a command that already succeeded through another record.
     */
    List<ProducerRecord<byte[], byte[]>> of(Pending pending) {
        Processed p = pending.result;
        if (p.provenance() == Processed.Provenance.ALREADY_SUCCEEDED) return List.of();
        List<ProducerRecord<byte[], byte[]>> produced = new ArrayList<>(2);
        ProducerRecord<byte[], byte[]> routed = routed(pending);
        if (routed != null) produced.add(routed);
        ProducerRecord<byte[], byte[]> event = switch (p.decision()) {
            case Decision.Complete c -> records.outcomeEvent(p.record(), new OutboundRecords.OutcomeEvent(p.requestId(),
                    p.commandType(), "SUCCEEDED", c.resourceId(), c.status(), null, null, p.attempts(), p.decidedAt(), c.response()));
            case Decision.DeadLetter d -> records.outcomeEvent(p.record(), new OutboundRecords.OutcomeEvent(p.requestId(),
                    p.commandType(), "DEAD_LETTERED", null, d.status() == 0 ? null : d.status(), d.code(), d.message(), p.attempts(),
                    p.decidedAt(), null));
            case Decision.Retry r -> null;
            case Decision.Halt h -> null;
        };
        if (event != null) produced.add(event);
        return produced;
    }

    private ProducerRecord<byte[], byte[]> routed(Pending pending) {
        Processed p = pending.result;
        return switch (p.decision()) {
            case Decision.Retry r -> records.retry(p.record(), r);
            case Decision.DeadLetter d -> pending.minimalOutbound
                    ? records.minimalDeadLetter(p.record(), p.commandType(), p.attempts(), d.status(), d.code(), d.message(), p.decidedAt())
                    : records.deadLetter(p.record(), p.commandType(), p.attempts(), d.status(), d.code(), d.message(), p.decidedAt());
            case Decision.Complete c -> null;
            case Decision.Halt h -> null;
        };
    }
}
