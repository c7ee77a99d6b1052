package io.remit.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.routing.RetryProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A ladder that cannot be climbed inside the API's idempotency window is named at start-up. */
@ExtendWith(OutputCaptureExtension.class)
class LadderWindowWarningTest {

    @Test
    void namesEachLadderLongerThanTheWindowAndOnlyThose(CapturedOutput output) {
        RetryProperties retry = new RetryProperties(
                List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)),
                0.1,
                Map.of("INSUFFICIENT_BALANCE", List.of("1h", "2h", "4h", "8h", "24h")));

        RemitConfiguration.warnOfLaddersLongerThanTheWindow(retry, Duration.ofHours(24));

        assertThat(output.getOut())
                .contains("remit.retry.codes.INSUFFICIENT_BALANCE adds up to PT39H")
                .contains("more than remit.api.idempotency-window PT24H")
                .doesNotContain("remit.retry.delays adds up");
    }
}
