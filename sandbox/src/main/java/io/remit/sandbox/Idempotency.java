package io.remit.sandbox;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The API's idempotency rule: a write whose requestId matches an earlier successful write gets
 * that write's status and body again, with no new effect. Failures are not remembered. Writes
 * with the same requestId are serialised, so two concurrent retries cannot both apply. Like a real
 * payments API it may forget a requestId after a while ({@link #setWindow}): a write after that is a
 * new write, with a second effect.
 */
final class Idempotency {
    /** A write's answer; {@code replayed} when it was served from an earlier success. */
    record Reply(int status, byte[] body, boolean replayed) {}

    private static final int STRIPES = 1024;
    private final Object[] locks = new Object[STRIPES];
    private final Map<String, Remembered> successes = new ConcurrentHashMap<>();
    private volatile Duration window;

    private record Remembered(Reply reply, long atNanos) {}

    Idempotency() {
        for (int i = 0; i < STRIPES; i++) locks[i] = new Object();
    }

    Reply apply(String requestId, Supplier<Reply> write) {
        if (requestId == null) return write.get();
        synchronized (locks[Math.floorMod(requestId.hashCode(), STRIPES)]) {
            Remembered earlier = successes.get(requestId);
            Duration remembers = window;
            if (earlier != null && (remembers == null || System.nanoTime() - earlier.atNanos() < remembers.toNanos()))
                return new Reply(earlier.reply().status(), earlier.reply().body(), true);
            Reply reply = write.get();
            successes.put(requestId, new Remembered(reply, System.nanoTime()));
            return reply;
        }
    }

    /** How long a requestId is remembered after its success; null: for ever. */
    void setWindow(Duration window) {
        this.window = window;
    }

    void clear() {
        successes.clear();
    }
}
