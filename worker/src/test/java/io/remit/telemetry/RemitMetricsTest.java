package io.remit.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What Prometheus scrapes from remit's meters before and after the first events. */
class RemitMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RemitMetrics metrics = new RemitMetrics(registry, tiers(), () -> false, () -> Duration.ZERO);

    @Test
    void countsKnownTiersTypesAndCodesFromZeroBeforeTheirFirstEvent() {
        assertThat(registry.scrape())
                .contains(
                        "remit_retries_scheduled_total{tier=\"1s\"} 0.0",
                        "remit_retries_scheduled_total{tier=\"30s\"} 0.0",
                        "remit_commands_total{code=\"none\",outcome=\"succeeded\",type=\"payment.create\"} 0.0",
                        "remit_commands_total{code=\"RETRIES_EXHAUSTED\",outcome=\"dead_lettered\",type=\"invoice.approve\"} 0.0",
                        "remit_dead_letters_total{code=\"RETRIES_EXHAUSTED\",type=\"payment.create\"} 0.0",
                        "remit_dead_letters_total{code=\"COMMAND_INVALID\",type=\"invoice.create\"} 0.0",
                        "remit_dead_letters_total{code=\"COMMAND_MISSING_KEY\",type=\"unknown\"} 0.0",
                        "remit_dead_letters_total{code=\"COMMAND_UNREADABLE\",type=\"unknown\"} 0.0");
    }

    @Test
    void keepsTheSeriesBeforeTheFirstEventBounded() {
        String scrape = registry.scrape();

        assertThat(series(scrape, "remit_retries_scheduled_total")).isEqualTo(2);
        assertThat(series(scrape, "remit_dead_letters_total")).isEqualTo(5 * 2 + 3);
        assertThat(series(scrape, "remit_commands_total")).isEqualTo(5 + 5 * 2 + 3);
    }

    @Test
    void countsOnTheSeriesItRegisteredAndOnNewOnes() {
        metrics.deadLettered("payment.create", "RETRIES_EXHAUSTED");
        metrics.deadLettered("payment.create", "INSUFFICIENT_BALANCE");
        metrics.retryScheduled("1s");
        metrics.command("invoice.create", "succeeded", null);

        assertThat(registry.scrape())
                .contains(
                        "remit_dead_letters_total{code=\"RETRIES_EXHAUSTED\",type=\"payment.create\"} 1.0",
                        "remit_dead_letters_total{code=\"INSUFFICIENT_BALANCE\",type=\"payment.create\"} 1.0",
                        "remit_retries_scheduled_total{tier=\"1s\"} 1.0",
                        "remit_commands_total{code=\"none\",outcome=\"succeeded\",type=\"invoice.create\"} 1.0");
    }

    private static Map<String, String> tiers() {
        Map<String, String> tiers = new LinkedHashMap<>();
        tiers.put("remit.commands.retry.1s", "1s");
        tiers.put("remit.commands.retry.30s", "30s");
        return tiers;
    }

    private static long series(String scrape, String name) {
        return scrape.lines().filter(line -> line.startsWith(name + "{")).count();
    }
}
