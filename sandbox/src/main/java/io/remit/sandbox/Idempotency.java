package io.remit.sandbox;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The API's idempotency rule: a write whose requestId matches an earlier successful write gets
 * that write's status and body again, with no new effect. Failures are not remembered. Writes
 * with the same requestId are serialised, so two concurrent retries cannot both apply.
 */
final class Idempotency {
    /** A write's answer; {@code replayed} when it was served from an earlier success. */
    record Reply(int status, byte[] body, boolean replayed) {}

    private static final int STRIPES = 1024;
    private final Object[] locks = new Object[STRIPES];
    private final Map<String, Reply> successes = new ConcurrentHashMap<>();

    Idempotency() {
        for (int i = 0; i < STRIPES; i++) locks[i] = new Object();
    }

    Reply apply(String requestId, Supplier<Reply> write) {
        if (requestId == null) return write.get();
        synchronized (locks[Math.floorMod(requestId.hashCode(), STRIPES)]) {
            Reply earlier = successes.get(requestId);
            if (earlier != null) return new Reply(earlier.status(), earlier.body(), true);
            Reply reply = write.get();
            successes.put(requestId, reply);
            return reply;
        }
    }

    void clear() {
        successes.clear();
    }
}
