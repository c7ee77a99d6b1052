package io.remit.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.JsonNode;

/**
 * A receiver of the sandbox's webhooks over real HTTP, for tests: it records every POST and answers
 * each with the next of the statuses it was told ({@link #answer}), then 200; when told a secret, a
 * wrongly signed POST gets 401.
 */
final class WebhookReceiver implements AutoCloseable {
    /** One POST as it arrived. */
    record Received(String signature, String contentType, byte[] body) {
        JsonNode json() {
            return SandboxServer.JSON.readTree(body);
        }

        String type() {
            return json().get("type").asString();
        }

        String dataId() {
            return json().get("data").get("id").asString();
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Queue<Integer> answers = new ConcurrentLinkedQueue<>();
    private volatile String secret;

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/webhooks/expereon", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks/expereon";
    }

    void answer(int... statuses) {
        for (int status : statuses) answers.add(status);
    }

    void verifySignaturesWith(String secret) {
        this.secret = secret;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    List<String> types() {
        return received.stream().map(Received::type).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String signature = exchange.getRequestHeaders().getFirst("X-Webhook-Signature");
            received.add(new Received(signature, exchange.getRequestHeaders().getFirst("Content-Type"), body));
            String key = secret;
            boolean wronglySigned =
                    key != null && !WebhookSignature.sign(body, key).equals(signature);
            Integer next = wronglySigned ? null : answers.poll();
            int status = wronglySigned ? 401 : next == null ? 200 : next;
            exchange.sendResponseHeaders(status, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
