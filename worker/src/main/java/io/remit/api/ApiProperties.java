package io.remit.api;

import io.remit.InvalidConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How remit reaches the payments API ({@code remit.api.*}). The key and secret are never logged:
 * {@link #toString()} leaves them out.
 *
 * @param baseUrl     the API's root, e.g. {@code https://sandbox.expereon.example}
 * @param timeout     the longest remit waits for one answer; a timeout is a transient failure
 * @param connectTimeout the longest wait to open a connection
 * @param maxInFlight the most API calls in flight at once, per instance
 * @param probePath   while halted, where an empty POST tests the credentials (refused on its merits, no effect)
 * @param paths       request paths per command type wire name; {@code {id}} stands for the invoice id
 * @param idempotencyWindow how long the API remembers a requestId: a command whose first ambiguous attempt is older is
 *                    never sent again (it could be a second payment) but dead-lettered OUTCOME_UNKNOWN
 * @param maxResponseSize the largest answer body read; a larger one is not read further (a success is kept without its
 *                    body, a failure is classified by its status alone)
 */
@ConfigurationProperties("remit.api")
public record ApiProperties(
        URI baseUrl,
        String key,
        String secret,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("256") int maxInFlight,
        @DefaultValue("/api/v1/payments") String probePath,
        Map<String, String> paths,
        @DefaultValue("1MB") DataSize maxResponseSize,
        @DefaultValue("24h") Duration idempotencyWindow) {

    static final Map<String, String> DEFAULT_PATHS = Map.of(
            "invoice.create", "/api/v1/invoices",
            "invoice.approve", "/api/v1/invoices/{id}/approve",
            "invoice.dispute", "/api/v1/invoices/{id}/dispute",
            "invoice.cancel", "/api/v1/invoices/{id}/cancel",
            "payment.create", "/api/v1/payments");

    public ApiProperties {
        if (baseUrl == null) throw new InvalidConfigurationException("remit.api.base-url is not set");
        if (!scheme(baseUrl).equals("http") && !scheme(baseUrl).equals("https")) {
            throw new InvalidConfigurationException("remit.api.base-url must be an http(s) URL, not " + baseUrl);
        }
        if (key == null || key.isBlank()) throw new InvalidConfigurationException("remit.api.key is not set");
        if (secret == null || secret.isBlank()) throw new InvalidConfigurationException("remit.api.secret is not set");
        if (key.startsWith("exp_prod_") && looksLikeSandbox(baseUrl)) {
            throw new InvalidConfigurationException(
                    "remit.api.key is a production key (exp_prod_) but remit.api.base-url " + baseUrl
                            + " is a sandbox: the API would answer 403 ENVIRONMENT_MISMATCH");
        }
        if (key.startsWith("exp_prod_") && !scheme(baseUrl).equals("https")) {
            throw new InvalidConfigurationException(
                    "remit.api.key is a production key (exp_prod_) but remit.api.base-url " + baseUrl
                            + " is not https: the key and secret would cross the network in clear text");
        }
        if (key.startsWith("exp_sand_") && host(baseUrl).contains("prod")) {
            throw new InvalidConfigurationException("remit.api.key is a sandbox key (exp_sand_) but remit.api.base-url "
                    + baseUrl + " looks like production");
        }
        if (!key.startsWith("exp_sand_") && !key.startsWith("exp_prod_")) {
            throw new InvalidConfigurationException("remit.api.key must start with exp_sand_ or exp_prod_");
        }
        if (maxInFlight < 1) throw new InvalidConfigurationException("remit.api.max-in-flight must be at least 1");
        if (timeout.isNegative() || timeout.isZero())
            throw new InvalidConfigurationException("remit.api.timeout must be positive");
        if (maxResponseSize == null) maxResponseSize = DataSize.ofMegabytes(1);
        if (idempotencyWindow == null) idempotencyWindow = Duration.ofHours(24);
        if (idempotencyWindow.isNegative() || idempotencyWindow.isZero())
            throw new InvalidConfigurationException("remit.api.idempotency-window must be positive");
        if (maxResponseSize.toBytes() < 1024)
            throw new InvalidConfigurationException("remit.api.max-response-size must be at least 1KB");
        HashMap<String, String> merged = new HashMap<>(DEFAULT_PATHS);
        if (paths != null) merged.putAll(paths);
        paths = Map.copyOf(merged);
    }

    private static String scheme(URI url) {
        return url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    }

    private static String host(URI url) {
        return url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
    }

    private static boolean looksLikeSandbox(URI url) {
        String host = host(url);
        return host.contains("sandbox") || host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    @Override
    public String toString() {
        return "ApiProperties[baseUrl=" + baseUrl + ", key=" + key.substring(0, Math.min(9, key.length()))
                + "…, timeout=" + timeout + ", maxInFlight=" + maxInFlight + "]";
    }
}
