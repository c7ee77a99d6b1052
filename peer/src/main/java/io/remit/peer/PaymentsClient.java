package io.remit.peer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The payments API, one blocking JDK HttpClient call per command, the record key as its requestId: the reference
 * worker's request shapes. Answers what the API said, or throws {@link TransientApiException} when it said nothing
 * useful yet.
 */
final class PaymentsClient {
    /** The API's answer: 2xx, or a refusal with the body's {@code error} code. */
    record Response(int status, String errorCode) {
        boolean succeeded() {
            return status / 100 == 2;
        }
    }

    private final PeerProperties properties;
    private final JsonMapper json;
    private final HttpClient http;

    PaymentsClient(PeerProperties properties, JsonMapper json) {
        this.properties = properties;
        this.json = json;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(properties.apiTimeout())
                .build();
    }

    Response send(String requestId, String type, JsonNode command) {
        ObjectNode body = (ObjectNode) command.deepCopy();
        body.remove("type");
        if (type.startsWith("invoice.") && !type.equals("invoice.create")) body.remove("invoiceId");
        body.put("requestId", requestId);
        HttpRequest request = HttpRequest.newBuilder(URI.create(properties.apiBaseUrl() + path(type, command)))
                .timeout(properties.apiTimeout())
                .header("X-API-Key", properties.apiKey())
                .header("X-API-Secret", properties.apiSecret())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
                .build();
        HttpResponse<byte[]> response = call(request);
        int status = response.statusCode();
        if (status == 429 || status >= 500) throw new TransientApiException("HTTP " + status);
        return new Response(status, status / 100 == 2 ? null : errorCode(response.body()));
    }

    /** The request path for a command type, or null for a type this worker does not know. */
    static String path(String type, JsonNode command) {
        return switch (type) {
            case "invoice.create" -> "/api/v1/invoices";
            case "invoice.approve", "invoice.dispute", "invoice.cancel" ->
                "/api/v1/invoices/" + command.path("invoiceId").asString() + "/" + type.substring("invoice.".length());
            case "payment.create" -> "/api/v1/payments";
            default -> null;
        };
    }

    private HttpResponse<byte[]> call(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new TransientApiException("no answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientApiException("interrupted");
        }
    }

    private String errorCode(byte[] body) {
        try {
            return json.readTree(body).path("error").asString(null);
        } catch (JacksonException e) {
            return null;
        }
    }
}
