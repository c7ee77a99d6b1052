package io.remit.webhook;

import io.remit.Json;
import io.remit.store.StorableText;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One webhook as remit reads it. Parsing is strict (one JSON object, no duplicate keys, nothing after it) and every
 * field is bounded: ids are kept as printable ASCII (anything else escaped, never stored raw), so no byte a sender
 * chooses can make PostgreSQL refuse the event or forge a log line.
 *
 * @param id         the event's id: Expereon's key for redeliveries
 * @param type       e.g. {@code payment.settled}
 * @param occurredAt when Expereon says it happened; null when the payload has no time
 * @param resourceId the {@code inv_…} or {@code pay_…} it is about
 * @param requestId  the requestId of the request that created the resource, when the payload names one
 * @param body       the raw body as text, as stored for the console
 */
public record WebhookEvent(
        String id,
        String type,
        @Nullable Instant occurredAt,
        @Nullable String resourceId,
        @Nullable String requestId,
        String body) {
    static final int MAX_ID = 256;
    static final int MAX_TYPE = 128;

    private static final JsonMapper STRICT = Json.strict(StreamReadConstraints.defaults());

    /** Why a body is not a webhook remit can keep. The message names the field, never echoes the body. */
    public static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    public static WebhookEvent parse(byte[] raw, WebhookProperties.Fields fields) throws Malformed {
        JsonNode root;
        try {
            root = STRICT.readTree(raw);
        } catch (JacksonException e) {
            throw new Malformed("not one JSON object (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new Malformed("not one JSON object");
        String id = required(root, fields.id(), "id", MAX_ID);
        String type = required(root, fields.type(), "type", MAX_TYPE);
        return new WebhookEvent(
                id,
                type,
                time(root, fields.createdAt()),
                optional(root, fields.resourceId()),
                optional(root, fields.requestId()),
                StorableText.of(new String(raw, StandardCharsets.UTF_8)));
    }

    private static String required(JsonNode root, String pointer, String name, int max) throws Malformed {
        JsonNode node = root.at(pointer);
        if (!node.isString() || node.stringValue().isEmpty()) throw new Malformed(name + " (" + pointer + ") missing");
        String text = StorableText.ascii(node.stringValue(), max + 1);
        if (text.length() > max) throw new Malformed(name + " (" + pointer + ") longer than " + max);
        return text;
    }

    private static @Nullable String optional(JsonNode root, String pointer) {
        if (pointer == null || pointer.isBlank()) return null;
        JsonNode node = root.at(pointer);
        if (!node.isString() || node.stringValue().isEmpty()) return null;
        String text = StorableText.ascii(node.stringValue(), MAX_ID + 1);
        return text.length() > MAX_ID ? null : text;
    }

    private static @Nullable Instant time(JsonNode root, String pointer) throws Malformed {
        if (pointer == null || pointer.isBlank()) return null;
        JsonNode node = root.at(pointer);
        if (node.isMissingNode() || node.isNull()) return null;
        if (!node.isString()) throw new Malformed("time (" + pointer + ") is not an ISO-8601 string");
        try {
            return Instant.parse(node.stringValue());
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(node.stringValue()).toInstant();
            } catch (DateTimeParseException again) {
                throw new Malformed("time (" + pointer + ") is not an ISO-8601 instant");
            }
        }
    }
}
