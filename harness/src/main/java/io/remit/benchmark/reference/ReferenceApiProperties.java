package io.remit.benchmark.reference;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** How the reference worker reaches the payments API ({@code reference.api.*}). */
@ConfigurationProperties("reference.api")
public record ReferenceApiProperties(
        URI baseUrl,
        String key,
        String secret,
        @DefaultValue("10s") Duration timeout) {
    @Override
    public String toString() {
        return "ReferenceApiProperties[baseUrl=" + baseUrl + ", timeout=" + timeout + "]";
    }
}
