package io.remit.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.api.CodeAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

/** How {@code remit.retry.codes} binds from YAML, as an operator writes it (and as the chart renders it). */
class RetryCodesBindingTest {
    @Test
    void bindsActionsAndLaddersKeepingTheCodeAsWritten() throws Exception {
        RetryProperties retry = bind("""
                remit:
                  retry:
                    codes:
                      "[INSUFFICIENT_BALANCE]": 1h,2h,4h
                      "[PAYMENT_FAILED]": dead-letter
                      "[INVOICE_LOCKED]": [30s, 1m]
                      "[RATE_LIMIT_EXCEEDED]": retry
                """);

        assertThat(retry.codeLadders())
                .containsEntry(
                        "INSUFFICIENT_BALANCE", List.of(Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4)))
                .containsEntry("INVOICE_LOCKED", List.of(Duration.ofSeconds(30), Duration.ofMinutes(1)));
        assertThat(retry.codeActions())
                .containsEntry("PAYMENT_FAILED", CodeAction.DEAD_LETTER)
                .containsEntry("RATE_LIMIT_EXCEEDED", CodeAction.RETRY);
    }

    @Test
    void aPlainYamlKeyKeepsItsCaseAndUnderscores() throws Exception {
        RetryProperties retry = bind("""
                remit:
                  retry:
                    codes:
                      INSUFFICIENT_BALANCE: 1h,2h,4h
                """);

        assertThat(retry.codeLadders()).containsOnlyKeys("INSUFFICIENT_BALANCE");
    }

    private static RetryProperties bind(String yaml) throws Exception {
        StandardEnvironment environment = new StandardEnvironment();
        new YamlPropertySourceLoader()
                .load("test", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))
                .forEach(environment.getPropertySources()::addFirst);
        return new Binder(ConfigurationPropertySources.get(environment))
                .bindOrCreate("remit.retry", RetryProperties.class);
    }
}
