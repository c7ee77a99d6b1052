package io.remit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import io.remit.InvalidConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code remit.api.*} refuses to start with settings that could only fail later, and never shows its secret. */
class ApiPropertiesTest {
    private static final String SANDBOX = "https://sandbox.expereon.example";
    private static final String PRODUCTION = "https://api.prod.expereon.example";
    private static final String SANDBOX_KEY = "exp_sand_4f9c2a7d1b";
    private static final String PRODUCTION_KEY = "exp_prod_8e1d3c5a0f";
    private static final String SECRET = "s3cr3t-Zq81-hunter2";

    static Stream<Arguments> invalidSettings() {
        return Stream.of(
                argumentSet("no base-url", null, SANDBOX_KEY, SECRET, 256, "remit.api.base-url"),
                argumentSet(
                        "a base-url that is not http",
                        "ftp://sandbox.expereon.example",
                        SANDBOX_KEY,
                        SECRET,
                        256,
                        "remit.api.base-url"),
                argumentSet("no key", SANDBOX, null, SECRET, 256, "remit.api.key"),
                argumentSet("a blank key", SANDBOX, "  ", SECRET, 256, "remit.api.key"),
                argumentSet("no secret", SANDBOX, SANDBOX_KEY, null, 256, "remit.api.secret"),
                argumentSet("a blank secret", SANDBOX, SANDBOX_KEY, "", 256, "remit.api.secret"),
                argumentSet(
                        "a production key on localhost",
                        "http://localhost:8080",
                        PRODUCTION_KEY,
                        SECRET,
                        256,
                        "remit.api.key"),
                argumentSet(
                        "a production key on 127.0.0.1",
                        "http://127.0.0.1:8080",
                        PRODUCTION_KEY,
                        SECRET,
                        256,
                        "remit.api.key"),
                argumentSet(
                        "a production key on a sandbox host", SANDBOX, PRODUCTION_KEY, SECRET, 256, "remit.api.key"),
                argumentSet(
                        "a production key on a sandbox subdomain",
                        "https://eu.sandbox-1.expereon.example",
                        PRODUCTION_KEY,
                        SECRET,
                        256,
                        "remit.api.key"),
                argumentSet(
                        "a sandbox key on a production host", PRODUCTION, SANDBOX_KEY, SECRET, 256, "remit.api.key"),
                argumentSet("a key of another kind", SANDBOX, "sk_live_51Hx", SECRET, 256, "remit.api.key"),
                argumentSet(
                        "a key with the prefix in upper case", SANDBOX, "EXP_SAND_4f9c", SECRET, 256, "remit.api.key"),
                argumentSet("max-in-flight of 0", SANDBOX, SANDBOX_KEY, SECRET, 0, "remit.api.max-in-flight"),
                argumentSet("a negative max-in-flight", SANDBOX, SANDBOX_KEY, SECRET, -1, "remit.api.max-in-flight"));
    }

    @ParameterizedTest
    @MethodSource("invalidSettings")
    void refusesToStartWithASettingThatCannotWork(
            String baseUrl, String key, String secret, int maxInFlight, String property) {
        assertThatThrownBy(() -> properties(baseUrl, key, secret, maxInFlight))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining(property)
                .hasMessageNotContaining(SECRET);
    }

    @ParameterizedTest
    @CsvSource({
        "https://sandbox.expereon.example,  exp_sand_4f9c2a7d1b",
        "http://localhost:8089,             exp_sand_4f9c2a7d1b",
        "http://127.0.0.1:8089/,            exp_sand_4f9c2a7d1b",
        "https://api.prod.expereon.example, exp_prod_8e1d3c5a0f",
        "https://api.expereon.example,      exp_prod_8e1d3c5a0f",
        "https://api.expereon.example,      exp_sand_4f9c2a7d1b"
    })
    void startsWithAKeyThatFitsTheEnvironment(String baseUrl, String key) {
        assertThat(properties(baseUrl, key, SECRET, 1).key()).isEqualTo(key);
    }

    @ParameterizedTest
    @CsvSource({"http://api.expereon.example", "http://api.prod.expereon.example:8080/", "HTTP://API.EXPEREON.EXAMPLE"})
    void refusesAProductionKeyOverPlainHttpSoTheSecretNeverCrossesInClearText(String baseUrl) {
        assertThatThrownBy(() -> properties(baseUrl, PRODUCTION_KEY, SECRET, 1))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("remit.api.base-url " + baseUrl + " is not https")
                .hasMessageNotContaining(SECRET)
                .hasMessageNotContaining(PRODUCTION_KEY);
    }

    @ParameterizedTest
    @CsvSource({"HTTPS://api.expereon.example, exp_prod_8e1d3c5a0f", "HTTP://localhost:8089,        exp_sand_4f9c2a7d1b"
    })
    void readsTheSchemeWithoutRegardToCase(String baseUrl, String key) {
        assertThat(properties(baseUrl, key, SECRET, 1).baseUrl()).isEqualTo(URI.create(baseUrl));
    }

    @Test
    void refusesAZeroTimeout() {
        assertThatThrownBy(() -> new ApiProperties(
                        URI.create(SANDBOX),
                        SANDBOX_KEY,
                        SECRET,
                        Duration.ZERO,
                        Duration.ofSeconds(2),
                        256,
                        "/api/v1/invoices?limit=1",
                        null,
                        null,
                        null))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("remit.api.timeout");
    }

    @ParameterizedTest
    @CsvSource({
        "https://sandbox.expereon.example,  exp_sand_4f9c2a7d1b, s3cr3t-Zq81-hunter2",
        "https://api.prod.expereon.example, exp_prod_8e1d3c5a0f, exp_prod_8e1d3c5a0f-and-more",
        "http://localhost:8089,             exp_sand_x,          Zq81"
    })
    void neverShowsTheSecretOrTheWholeKey(String baseUrl, String key, String secret) {
        String shown = properties(baseUrl, key, secret, 8).toString();

        assertThat(shown).doesNotContain(secret).doesNotContain(key).contains(baseUrl, key.substring(0, 9));
    }

    @Test
    void keepsTheDefaultPathOfEveryCommandTypeNotOverridden() {
        ApiProperties properties = new ApiProperties(
                URI.create(SANDBOX),
                SANDBOX_KEY,
                SECRET,
                Duration.ofSeconds(10),
                Duration.ofSeconds(2),
                256,
                "/api/v1/invoices?limit=1",
                Map.of("payment.create", "/api/v2/payments"),
                null,
                null);

        assertThat(properties.paths())
                .containsEntry("payment.create", "/api/v2/payments")
                .containsEntry("invoice.approve", "/api/v1/invoices/{id}/approve")
                .containsOnlyKeys(ApiProperties.DEFAULT_PATHS.keySet());
    }

    @ParameterizedTest
    @CsvSource({
        "https://SANDBOX.expereon.example,  exp_prod_8e1d3c5a0f",
        "http://LOCALHOST:8080,             exp_prod_8e1d3c5a0f",
        "https://API.PROD.expereon.example, exp_sand_4f9c2a7d1b"
    })
    void comparesHostsWithoutRegardToCase(String baseUrl, String key) {
        assertThatThrownBy(() -> properties(baseUrl, key, SECRET, 1))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("remit.api.key");
    }

    private static ApiProperties properties(String baseUrl, String key, String secret, int maxInFlight) {
        return new ApiProperties(
                baseUrl == null ? null : URI.create(baseUrl),
                key,
                secret,
                Duration.ofSeconds(10),
                Duration.ofSeconds(2),
                maxInFlight,
                "/api/v1/invoices?limit=1",
                null,
                null,
                null);
    }
}
