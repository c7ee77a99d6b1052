package io.remit.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The chaos run at CI size: 10,000 commands over ~40 s of kills, restarts and faults, and no violation. */
class ChaosRunIT {
    @Test
    void noCommandIsLostOrAppliedTwiceAndNoDeadLetterIsWrittenTwiceWhateverCrashes() throws Exception {
        ChaosRun.Report report = ChaosRun.run(new ChaosRun.Options(
                10_000, 3, Duration.ofSeconds(40), Duration.ofSeconds(10), true, true, Duration.ofMinutes(5)));
        System.out.println(report.table());
        assertThat(report.violations()).as(report.table()).isZero();
    }
}
