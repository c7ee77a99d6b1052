package io.remit.sandbox;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fixed-window rate limit per API key, plus the 429 bursts the faults inject. Answers the
 * three {@code X-RateLimit-*} values for every request.
 */
final class RateLimiter {
    /** What the limiter decided for one request; {@code resetAtMs} is when the window ends. */
    record Verdict(boolean allowed, int limit, int remaining, long resetAtMs) {}

    private static final class Window {
        long startMs;
        int used;
        long burstUntilMs;
    }

    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    Verdict acquire(String key, Faults faults, long nowMs) {
        Window window = windows.computeIfAbsent(key, k -> new Window());
        synchronized (window) {
            if (nowMs - window.startMs >= faults.rateWindowMs()) {
                window.startMs = nowMs - (nowMs % faults.rateWindowMs());
                window.used = 0;
            }
            long windowEnd = window.startMs + faults.rateWindowMs();
            if (nowMs < window.burstUntilMs) {
                return new Verdict(false, faults.rateLimit(), 0, window.burstUntilMs);
            }
            if (Faults.chance(faults.burst429())) {
                window.burstUntilMs = nowMs + faults.burst429Ms();
                return new Verdict(false, faults.rateLimit(), 0, window.burstUntilMs);
            }
            if (window.used >= faults.rateLimit()) {
                return new Verdict(false, faults.rateLimit(), 0, windowEnd);
            }
            window.used++;
            return new Verdict(true, faults.rateLimit(), faults.rateLimit() - window.used, windowEnd);
        }
    }

    void clear() {
        windows.clear();
    }
}
