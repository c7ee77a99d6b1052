package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void growsByTheMultiplierUpToTheMaximum() {
        Backoff backoff = new Backoff(500, 2, 10_000, 0);

        assertThat(backoff.millis(0)).isEqualTo(500);
        assertThat(backoff.millis(1)).isEqualTo(1_000);
        assertThat(backoff.millis(4)).isEqualTo(8_000);
        assertThat(backoff.millis(5)).isEqualTo(10_000);
        assertThat(backoff.millis(Long.MAX_VALUE)).isEqualTo(10_000);
    }

    @Test
    void jitterStaysWithinItsShareAndVaries() {
        Backoff backoff = new Backoff(100, 2, 30_000, 0.2);

        long low = Long.MAX_VALUE;
        long high = 0;
        for (int i = 0; i < 1_000; i++) {
            long wait = backoff.millis(20);
            low = Math.min(low, wait);
            high = Math.max(high, wait);
        }
        assertThat(low).isGreaterThanOrEqualTo(24_000);
        assertThat(high).as("never more than the maximum").isLessThanOrEqualTo(30_000);
        assertThat(high - low)
                .as("instances failing together do not retry together")
                .isGreaterThan(1_000);
    }

    @Test
    void refusesWhatIsNotABackoff() {
        assertThatThrownBy(() -> new Backoff(0, 2, 1_000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(100, 0.5, 1_000, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(100, 2, 1_000, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
