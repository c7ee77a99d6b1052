package io.remit.sandbox;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sandbox's own endpoints under {@code /admin/}, for tests and operators of a standalone
 * sandbox. Not part of the payments API: no keys, no rate limit, no faults.
 * <ul>
 *   <li>{@code GET /admin/faults}, {@code POST /admin/faults} with any subset of {@link Faults}' fields</li>
 *   <li>{@code GET /admin/ledger} (totals; {@code ?full=true} adds effects per requestId),
 *       {@code GET /admin/ledger/{requestId}}</li>
 *   <li>{@code POST /admin/keys/{key}/revoke}, {@code POST /admin/keys/{key}/restore}</li>
 *   <li>{@code POST /admin/invoices} {@code {"connectionId","count","status","amount","currency"}}</li>
 *   <li>{@code GET /admin/webhooks} (where they go, counts, and every event with {@code delivered};
 *       {@code ?events=false} leaves the events out), {@code POST /admin/webhooks} {@code {"url","secret"}}
 *       (a null or empty url turns webhooks off; an absent field is kept)</li>
 *   <li>{@code POST /admin/reset}</li>
 * </ul>
 */
final class AdminApi {
    private final SandboxServer sandbox;

    AdminApi(SandboxServer sandbox) {
        this.sandbox = sandbox;
    }

    void handle(HttpExchange exchange, String path) throws IOException {
        try {
            Object answer = answer(exchange.getRequestMethod(), path, exchange);
            SandboxServer.send(exchange, 200, SandboxServer.JSON.writeValueAsBytes(answer));
        } catch (ApiError e) {
            SandboxServer.sendError(exchange, e);
        } catch (IllegalArgumentException | tools.jackson.core.JacksonException e) {
            SandboxServer.sendError(exchange, new ApiError(400, "INVALID_REQUEST", String.valueOf(e.getMessage())));
        }
    }

    private Object answer(String method, String path, HttpExchange exchange) throws IOException {
        String[] parts = path.substring("/admin/".length()).split("/");
        return switch (method + " " + parts[0]) {
            case "GET faults" -> sandbox.faults();
            case "POST faults" -> {
                sandbox.setFaults(SandboxServer.merge(sandbox.faults(), (ObjectNode) body(exchange)));
                yield sandbox.faults();
            }
            case "GET ledger" -> parts.length > 1 ? ledgerEntry(parts[1]) : ledger(exchange);
            case "POST keys" -> {
                if (parts.length != 3 || !(parts[2].equals("revoke") || parts[2].equals("restore"))) {
                    throw new ApiError(404, "NOT_FOUND", "Use /admin/keys/{key}/revoke or /restore");
                }
                if (!sandbox.setKeyRevoked(parts[1], parts[2].equals("revoke"))) {
                    throw new ApiError(404, "NOT_FOUND", "Unknown key " + parts[1]);
                }
                yield Map.of("key", parts[1], "revoked", parts[2].equals("revoke"));
            }
            case "POST invoices" -> seedInvoices(body(exchange));
            case "GET webhooks" ->
                webhooks(!"events=false".equals(exchange.getRequestURI().getQuery()));
            case "POST webhooks" -> {
                configureWebhooks(body(exchange));
                yield webhooks(false);
            }
            case "POST reset" -> {
                sandbox.reset();
                yield Map.of("reset", true);
            }
            default -> throw new ApiError(404, "NOT_FOUND", "No admin endpoint " + method + " " + path);
        };
    }

    private Map<String, Object> ledgerEntry(String requestId) {
        Ledger ledger = sandbox.ledger();
        return Map.of("requestId", requestId, "calls", ledger.calls(requestId), "effects", ledger.effects(requestId));
    }

    private Map<String, Object> ledger(HttpExchange exchange) {
        Map<String, Integer> effects = sandbox.ledger().effectsByRequestId();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("calls", sandbox.ledger().totalCalls());
        answer.put("requestIdsWithEffect", effects.size());
        answer.put(
                "effects",
                effects.values().stream().mapToLong(Integer::longValue).sum());
        answer.put(
                "requestIdsWithDuplicateEffects",
                effects.entrySet().stream()
                        .filter(e -> e.getValue() > 1)
                        .map(Map.Entry::getKey)
                        .sorted()
                        .toList());
        if ("full=true".equals(exchange.getRequestURI().getQuery())) answer.put("effectsByRequestId", effects);
        return answer;
    }

    private Map<String, Object> webhooks(boolean withEvents) {
        Webhooks webhooks = sandbox.webhooks();
        WebhookLog log = webhooks.log();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("url", webhooks.url());
        answer.putAll(SandboxServer.JSON.convertValue(log.counts(), Map.class));
        if (withEvents) answer.put("events", log.events());
        return answer;
    }

    private void configureWebhooks(JsonNode body) {
        Webhooks webhooks = sandbox.webhooks();
        String url = body.has("url") ? body.get("url").asString(null) : webhooks.url();
        String secret = body.has("secret") ? body.get("secret").asString(null) : webhooks.secret();
        webhooks.configure(url, secret);
    }

    private Map<String, Object> seedInvoices(JsonNode body) {
        var ids = sandbox.seedInvoices(
                body.path("connectionId").asString("conn_demo"),
                body.path("count").asInt(1),
                InvoiceStatus.valueOf(body.path("status").asString("APPROVED")),
                body.path("amount").asString("100.00"),
                body.path("currency").asString("USD"));
        return Map.of("ids", ids);
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        byte[] bytes = SandboxServer.readBody(exchange);
        JsonNode json = bytes.length == 0 ? SandboxServer.JSON.createObjectNode() : SandboxServer.JSON.readTree(bytes);
        if (!json.isObject()) throw new IllegalArgumentException("body must be a JSON object");
        return json;
    }
}
