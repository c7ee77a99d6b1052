package io.remit.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One webhook event as Expereon sends it: {@code {"id":"evt_…","type","createdAt","data":{"id","status",…}}}.
 * The body is fixed when the event is made, so every delivery of it (retries, duplicates) sends the same bytes.
 *
 * @param id     {@code evt_} and 32 random hex digits, unique across sandbox restarts
 * @param type   {@code invoice.approved}, {@code invoice.settled}, {@code payment.settled} or {@code payment.failed}
 * @param dataId the invoice's or payment's id ({@code data.id})
 * @param body   the JSON body, sent as UTF-8
 */
public record WebhookEvent(String id, String type, String dataId, String body) {

    static WebhookEvent of(String type, Map<String, Object> data, Clock clock) {
        String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", id);
        event.put("type", type);
        event.put("createdAt", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
        event.put("data", data);
        return new WebhookEvent(id, type, (String) data.get("id"), SandboxServer.JSON.writeValueAsString(event));
    }

    byte[] bytes() {
        return body.getBytes(StandardCharsets.UTF_8);
    }
}
