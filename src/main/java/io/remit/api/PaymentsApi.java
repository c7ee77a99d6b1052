package io.remit.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

import tools.jackson.databind.json.JsonMapper;

import io.remit.command.Command;

/**
 * The Expereon payments API as remit uses it: one command, one request, with the command's
 * requestId in the body so that a retry never has a second effect. Never throws for what the
 * API or the network did: every answer becomes an {@link Outcome}. At most
 * {@code remit.api.max-in-flight} calls are in flight; callers wait for a slot.
 */
public final class PaymentsApi {
    /** One call: its outcome and how long the API took to give it. */
    public record Attempt(Outcome outcome, Duration latency) {}

    /** The request a command becomes: a POST of {@code body} to {@code path}. */
    public record Request(String path, byte[] body) {}

    private final ApiProperties properties;
    private final ResponseClassifier classifier;
    private final JsonMapper json;
    private final HttpClient http;
    private final Semaphore inFlight;

    public PaymentsApi(ApiProperties properties, ResponseClassifier classifier, JsonMapper json) {
        this.properties = properties;
        this.classifier = classifier;
        this.json = json;
        this.inFlight = new Semaphore(properties.maxInFlight(), true);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(properties.connectTimeout()).build();
    }

    public Attempt send(Command command) throws InterruptedException {
        Request request = requestFor(command);
        return call(authorized(request.path()).POST(HttpRequest.BodyPublishers.ofByteArray(request.body())).build());
    }

    /** The path and body remit sends for a command, with the command's requestId in the body. */
    public Request requestFor(Command command) {
        return new Request(path(command), json.writeValueAsBytes(body(command)));
    }

    /** Whether the API accepts remit's credentials now: a read that changes nothing. */
    public Outcome probe() throws InterruptedException {
        return call(authorized(properties.probePath()).GET().build()).outcome();
    }

    private Attempt call(HttpRequest request) throws InterruptedException {
        inFlight.acquire();
        long start = System.nanoTime();
        try {
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            Outcome outcome = classifier.classify(response.statusCode(),
                    response.headers().firstValue("X-RateLimit-Reset").orElse(null), response.body());
            return new Attempt(outcome, Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            return new Attempt(classifier.classify(e), Duration.ofNanos(System.nanoTime() - start));
        } finally {
            inFlight.release();
        }
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(URI.create(properties.baseUrl().toString().replaceAll("/+$", "") + path))
                .timeout(properties.timeout())
                .header("Content-Type", "application/json")
                .header("X-API-Key", properties.key())
                .header("X-API-Secret", properties.secret());
    }

    private String path(Command command) {
        String template = properties.paths().get(command.type().wireName());
        return command instanceof Command.InvoiceAction action ? template.replace("{id}", action.invoiceId())
                : template;
    }

    private static Map<String, Object> body(Command command) {
        Map<String, Object> body = new LinkedHashMap<>();
        switch (command) {
            case Command.CreateInvoice c -> {
                body.put("connectionId", c.connectionId());
                body.put("invoiceNumber", c.invoiceNumber());
                body.put("amount", c.amount());
                body.put("currency", c.currency());
                body.put("dueDate", c.dueDate().toString());
                if (c.description() != null) body.put("description", c.description());
            }
            case Command.InvoiceAction a -> {
                if (a.reason() != null) body.put("reason", a.reason());
            }
            case Command.CreatePayment p -> {
                body.put("invoiceId", p.invoiceId());
                body.put("amount", p.amount());
                body.put("currency", p.currency());
            }
        }
        body.put("requestId", command.requestId());
        return body;
    }
}
