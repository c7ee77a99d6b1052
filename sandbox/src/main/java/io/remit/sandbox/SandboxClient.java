package io.remit.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/** A plain HTTP client of a sandbox, for tests: every call goes over a real socket. */
final class SandboxClient {
    record Answer(int status, JsonNode body, HttpResponse<String> raw) {
        String error() {
            return body.path("error").asString(null);
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String baseUrl;
    private String key = SandboxOptions.DEFAULT_KEY;
    private String secret = SandboxOptions.DEFAULT_SECRET;
    private Duration timeout = Duration.ofSeconds(10);

    SandboxClient(SandboxServer sandbox) {
        this.baseUrl = sandbox.baseUrl();
    }

    SandboxClient as(String key, String secret) {
        this.key = key;
        this.secret = secret;
        return this;
    }

    SandboxClient timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    Answer post(String path, String json) throws IOException {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Answer get(String path) throws IOException {
        return send(request(path).GET());
    }

    /** Creates an invoice on conn_demo for 100.00 USD and answers its id. */
    String createInvoice(String requestId, String number) throws IOException {
        Answer answer = post("/api/v1/invoices", invoice(requestId, "conn_demo", number, "100.00", "USD"));
        if (answer.status() != 201) throw new IllegalStateException("create failed: " + answer.body());
        return answer.body().get("id").asString();
    }

    static String invoice(String requestId, String connection, String number, String amount, String currency) {
        return """
                {"requestId":"%s","connectionId":"%s","invoiceNumber":"%s","amount":"%s","currency":"%s","dueDate":"2026-12-31","description":"test"}""".formatted(requestId, connection, number, amount, currency);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header("Content-Type", "application/json");
        if (key != null) builder.header("X-API-Key", key);
        if (secret != null) builder.header("X-API-Secret", secret);
        return builder;
    }

    private Answer send(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty()
                    ? SandboxServer.JSON.createObjectNode()
                    : SandboxServer.JSON.readTree(response.body());
            return new Answer(response.statusCode(), body, response);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
