package io.remit.engine;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait after {@code failures} failures in a row: {@code initial × multiplier^failures}, moved at random by
 * up to {@code ±jitter} of itself (so that instances failing together do not retry together), and never more than
 * {@code max}.
 */
record Backoff(long initialMillis, double multiplier, long maxMillis, double jitter) {
    Backoff {
        if (initialMillis <= 0 || multiplier < 1 || maxMillis < initialMillis || jitter < 0 || jitter >= 1)
            throw new IllegalArgumentException(
                    "not a backoff: " + initialMillis + " × " + multiplier + "^n ≤ " + maxMillis + " ± " + jitter);
    }

    long millis(long failures) {
        double wait = Math.min(maxMillis, initialMillis * Math.pow(multiplier, Math.max(0, failures)));
        if (jitter > 0) wait *= 1 + jitter * ThreadLocalRandom.current().nextDouble(-1, 1);
        return Math.min(maxMillis, Math.round(wait));
    }
}
