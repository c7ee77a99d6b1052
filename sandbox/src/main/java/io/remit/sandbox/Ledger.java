package io.remit.sandbox;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the sandbox saw and did, per {@code requestId}: how many write requests arrived
 * ({@link #calls}) and how many of them changed state ({@link #effects}). A correct client
 * leaves at most one effect per requestId, however many calls it made.
 */
public final class Ledger {
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> effects = new ConcurrentHashMap<>();
    private final Map<String, String> traceparents = new ConcurrentHashMap<>();

    void recordCall(String requestId) {
        calls.computeIfAbsent(requestId, id -> new LongAdder()).increment();
    }

    void recordTraceparent(String requestId, String traceparent) {
        if (traceparent != null) traceparents.put(requestId, traceparent);
    }

    /** The W3C traceparent of the last write request with this requestId, or null. */
    public String traceparent(String requestId) {
        return traceparents.get(requestId);
    }

    void recordEffect(String requestId) {
        effects.computeIfAbsent(requestId, id -> new LongAdder()).increment();
    }

    /** Write requests that arrived with this requestId, whatever they were answered. */
    public int calls(String requestId) {
        return count(calls, requestId);
    }

    /** State changes applied for this requestId: 0 or 1 unless idempotency was broken. */
    public int effects(String requestId) {
        return count(effects, requestId);
    }

    /** Every requestId that had an effect, with its number of effects. */
    public Map<String, Integer> effectsByRequestId() {
        Map<String, Integer> copy = new java.util.HashMap<>();
        effects.forEach((id, n) -> copy.put(id, n.intValue()));
        return copy;
    }

    public long totalCalls() {
        return calls.values().stream().mapToLong(LongAdder::sum).sum();
    }

    void clear() {
        traceparents.clear();
        calls.clear();
        effects.clear();
    }

    private static int count(Map<String, LongAdder> counts, String requestId) {
        LongAdder n = counts.get(requestId);
        return n == null ? 0 : n.intValue();
    }
}
