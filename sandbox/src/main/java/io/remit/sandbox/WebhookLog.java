package io.remit.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the sandbox's webhooks came to: every event made, in order, with how many times a receiver
 * accepted it (2xx), and counts of attempts and of refusals by status. An event is pending from when it
 * is made until its first acceptance; a duplicate delivery is pending until it, too, is accepted.
 */
public final class WebhookLog {
    /**
     * One event and how often it was accepted; {@code delivered} once it was. {@code attempts}: each attempt's time,
     * status (0: no answer) and, when accepted, the start of the answer's body, for a run that must explain itself.
     */
    public record Entry(
            String id, String type, String dataId, boolean delivered, int deliveries, List<String> attempts) {}

    /**
     * @param scheduled            events made
     * @param delivered            2xx answers (duplicates included)
     * @param duplicates           second deliveries of the duplicate fault
     * @param attempts             POSTs sent
     * @param rejected             non-2xx answers by status
     * @param unreachable          attempts without an answer (refused connection, timeout)
     * @param badSignatureAccepted 2xx answers to a wrongly signed attempt: the receiver does not check
     * @param pending              deliveries not yet accepted
     */
    public record Counts(
            long scheduled,
            long delivered,
            long duplicates,
            long attempts,
            Map<Integer, Long> rejected,
            long unreachable,
            long badSignatureAccepted,
            long pending) {}

    private record Tracked(WebhookEvent event, AtomicInteger deliveries, Queue<String> attempts) {}

    /** How much of an accepted answer's body an attempt keeps. */
    private static final int KEPT_ANSWER = 80;

    private final Map<String, Tracked> byId = new ConcurrentHashMap<>();
    private final Queue<Tracked> inOrder = new ConcurrentLinkedQueue<>();
    private final LongAdder scheduled = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder unreachable = new LongAdder();
    private final LongAdder badSignatureAccepted = new LongAdder();
    private final Map<Integer, LongAdder> rejected = new ConcurrentHashMap<>();
    private final AtomicLong pending = new AtomicLong();

    void scheduled(WebhookEvent event) {
        Tracked tracked = new Tracked(event, new AtomicInteger(), new ConcurrentLinkedQueue<>());
        byId.put(event.id(), tracked);
        inOrder.add(tracked);
        scheduled.increment();
        pending.incrementAndGet();
    }

    void duplicating() {
        duplicates.increment();
        pending.incrementAndGet();
    }

    /** An attempt's answer: its status, or 0 when there was none, and its body (null: none). */
    void attempted(WebhookEvent event, int status, String body, boolean wrongSignature) {
        attempts.increment();
        Tracked tracked = byId.get(event.id());
        if (tracked != null)
            tracked.attempts()
                    .add(Instant.now() + " " + status
                            + (status / 100 == 2 && body != null
                                    ? " " + body.substring(0, Math.min(body.length(), KEPT_ANSWER))
                                    : ""));
        if (status == 0) {
            unreachable.increment();
        } else if (status / 100 != 2) {
            rejected.computeIfAbsent(status, s -> new LongAdder()).increment();
        } else {
            if (wrongSignature) badSignatureAccepted.increment();
            byId.get(event.id()).deliveries().incrementAndGet();
            delivered.increment();
            pending.decrementAndGet();
        }
    }

    public long pending() {
        return pending.get();
    }

    /** Every event made, in order. */
    public List<Entry> events() {
        return inOrder.stream()
                .map(t -> new Entry(
                        t.event().id(),
                        t.event().type(),
                        t.event().dataId(),
                        t.deliveries().get() > 0,
                        t.deliveries().get(),
                        List.copyOf(t.attempts())))
                .toList();
    }

    public Counts counts() {
        Map<Integer, Long> byStatus = new TreeMap<>();
        rejected.forEach((status, n) -> byStatus.put(status, n.sum()));
        return new Counts(
                scheduled.sum(),
                delivered.sum(),
                duplicates.sum(),
                attempts.sum(),
                byStatus,
                unreachable.sum(),
                badSignatureAccepted.sum(),
                pending.get());
    }
}
