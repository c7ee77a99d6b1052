package io.remit.webhook;

import io.remit.InvalidConfigurationException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Expereon's webhooks ({@code remit.webhooks.*}): off unless {@code enabled}. The receiver listens on a port of its own
 * ({@code port}, 8082), apart from the console's and Actuator's, and answers only {@code POST path}. Secrets come from a
 * Secret and are never logged: {@link #toString()} leaves them out.
 *
 * @param enabled        whether this instance receives webhooks and relays settlement events
 * @param port           the receiver's own port
 * @param path           the one path it answers
 * @param secret         the key of {@code X-Webhook-Signature} (HMAC-SHA256 of the raw body); required when
 *                       {@code enabled}
 * @param previousSecret during a rotation, the former key, also accepted; absent or blank otherwise
 * @param maxBody        a larger body is refused (413) before it is read whole
 * @param tolerance      an event whose time is older than this (or further ahead than {@code futureSkew}) is refused
 *                       (400), unless its id was already received: a replay, not a retry
 * @param futureSkew     how far ahead of this instance's clock an event's time may be
 * @param matchWindow    how long an unmatched event keeps being matched against commands stored after it arrived
 * @param fields         where the payload keeps what remit reads (JSON Pointers): the real shape is not published
 * @param relay          how settlement events are relayed to Kafka
 */
@ConfigurationProperties("remit.webhooks")
public record WebhookProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("8082") int port,
        @DefaultValue("/webhooks/expereon") String path,
        @Nullable String secret,
        @Nullable String previousSecret,
        @DefaultValue("64KB") DataSize maxBody,
        @DefaultValue("72h") Duration tolerance,
        @DefaultValue("5m") Duration futureSkew,
        @DefaultValue("1h") Duration matchWindow,
        @DefaultValue Fields fields,
        @DefaultValue Relay relay) {

    public WebhookProperties {
        if (fields == null) fields = new Fields("/id", "/type", "/createdAt", "/data/id", "/data/requestId");
        if (relay == null) relay = new Relay(Duration.ofMillis(200), 500);
        if (enabled && (secret == null || secret.isBlank()))
            throw new InvalidConfigurationException(
                    "remit.webhooks.secret must be set when remit.webhooks.enabled=true (the key Expereon signs with)");
        if (enabled && (path == null || !path.startsWith("/")))
            throw new InvalidConfigurationException("remit.webhooks.path must start with /");
        if (!tolerance.isPositive() || futureSkew.isNegative() || !matchWindow.isPositive())
            throw new InvalidConfigurationException(
                    "remit.webhooks: tolerance and match-window must be positive, future-skew not negative");
        if (maxBody.toBytes() < 1 || maxBody.toBytes() > 16 * 1024 * 1024)
            throw new InvalidConfigurationException("remit.webhooks.max-body must be between 1 B and 16 MB");
        if (relay.batch() < 1 || !relay.interval().isPositive())
            throw new InvalidConfigurationException("remit.webhooks.relay: batch at least 1, interval positive");
    }

    @Override
    public String toString() {
        return "WebhookProperties[enabled=" + enabled + ", port=" + port + ", path=" + path + ", maxBody=" + maxBody
                + ", tolerance=" + tolerance + ", fields=" + fields + ", relay=" + relay + "]";
    }

    /**
     * JSON Pointers into the event: its id, type and time, the resource it is about, and (optional; blank for none)
     * the requestId of the request that created that resource.
     */
    public record Fields(
            @DefaultValue("/id") String id,
            @DefaultValue("/type") String type,
            @DefaultValue("/createdAt") String createdAt,
            @DefaultValue("/data/id") String resourceId,
            @DefaultValue("/data/requestId") String requestId) {}

    /**
     * @param interval how often the relay looks for settlement events to produce, when it found none
     * @param batch    the most events produced in one Kafka transaction
     */
    public record Relay(
            @DefaultValue("200ms") Duration interval,
            @DefaultValue("500") int batch) {}
}
