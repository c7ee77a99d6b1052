package io.remit.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local Expereon payments API: the documented endpoints, errors, idempotency and rate
 * limits over real HTTP, plus the faults of {@link Faults} and a {@link Ledger} of effects.
 * Runs in-process from tests ({@link #start}) or standalone ({@link #main}).
 */
public final class SandboxServer implements AutoCloseable {
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final int MAX_BODY = 1 << 20;

    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicReference<Faults> faults;
    private final AtomicReference<Map.Entry<String, Duration>> held = new AtomicReference<>();
    private final AtomicReference<Map.Entry<String, Integer>> failing = new AtomicReference<>();
    private final AtomicReference<Map.Entry<String, Integer>> losing = new AtomicReference<>();
    private final ApiKeys keys;
    private final Expereon expereon = new Expereon();
    private final Idempotency idempotency = new Idempotency();
    private final RateLimiter rateLimiter = new RateLimiter();
    private final Ledger ledger = new Ledger();
    private final Webhooks webhooks;
    private final AdminApi admin;

    private SandboxServer(SandboxOptions options) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // keep-alive for every client connection (the JDK keeps 200 idle ones and closes the rest)
        System.setProperty("sun.net.httpserver.maxIdleConnections", "4096");
        this.faults = new AtomicReference<>(options.faults());
        this.keys = new ApiKeys(options.key(), options.secret());
        this.webhooks = new Webhooks(options.webhookUrl(), options.webhookSecret(), faults::get, Clock.systemUTC());
        this.admin = new AdminApi(this);
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 4096);
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /** Starts a sandbox; port 0 picks a free one. */
    public static SandboxServer start(SandboxOptions options) {
        try {
            return new SandboxServer(options);
        } catch (IOException e) {
            throw new IllegalStateException("Sandbox could not listen on " + options.host() + ":" + options.port(), e);
        }
    }

    public static SandboxServer start() {
        return start(SandboxOptions.defaults());
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public Ledger ledger() {
        return ledger;
    }

    /** The webhooks this sandbox sends: where, and what came of them. */
    public Webhooks webhooks() {
        return webhooks;
    }

    public Faults faults() {
        return faults.get();
    }

    public void setFaults(Faults next) {
        faults.set(next);
    }

    /**
     * Holds every write whose requestId starts with {@code prefix} for {@code delay} before answering it
     * (tests of one slow call among fast ones; null clears it).
     */
    public void holdRequestIds(String prefix, Duration delay) {
        held.set(prefix == null ? null : Map.entry(prefix, delay));
    }

    /**
     * Answers 503, without any effect, to the first {@code times} calls of every requestId that starts with
     * {@code prefix} (tests of one command that is being retried; null clears it).
     */
    public void failRequestIds(String prefix, int times) {
        failing.set(prefix == null ? null : Map.entry(prefix, times));
    }

    /**
     * Applies the writes of every requestId that starts with {@code prefix}, then loses the answer of the first
     * {@code times} calls of each (a 503 after the effect, as a proxy that fails after the API answered): an
     * ambiguous failure, applied (null clears it).
     */
    public void loseAnswersOf(String prefix, int times) {
        losing.set(prefix == null ? null : Map.entry(prefix, times));
    }

    /** How long the API remembers a requestId after its success (null: for ever, the default), as real APIs forget. */
    public void setIdempotencyWindow(Duration window) {
        idempotency.setWindow(window);
    }

    /** Sets a connection's buyer balance in a currency, as money arriving (or leaving) would. */
    public void setBalance(String connectionId, String currency, String amount) {
        expereon.setBalance(connectionId, currency, new java.math.BigDecimal(amount));
    }

    /** Revokes (or restores) an API key at run time, as an administrator of the real API would. */
    public boolean setKeyRevoked(String key, boolean revoked) {
        return keys.setRevoked(key, revoked);
    }

    /** Creates invoices directly in a status, without a request, for tests and feeders. */
    public java.util.List<String> seedInvoices(
            String connectionId, int count, InvoiceStatus status, String amount, String currency) {
        return expereon.seedInvoices(connectionId, count, status, amount, currency);
    }

    /**
     * Forgets invoices, idempotency records, rate windows, the ledger and the webhooks sent or pending;
     * faults and the webhook URL are kept.
     */
    public void reset() {
        expereon.reset();
        idempotency.clear();
        rateLimiter.clear();
        ledger.clear();
        webhooks.reset();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        webhooks.close();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/admin/")) {
                admin.handle(exchange, path);
            } else {
                serveApi(exchange, path);
            }
        } catch (IOException | RuntimeException e) {
            // the client went away or the answer was deliberately dropped: nothing left to say
        }
    }

    private void serveApi(HttpExchange exchange, String path) throws IOException {
        Faults current = faults.get();
        RateLimiter.Verdict verdict = rateLimiter.acquire(
                String.valueOf(exchange.getRequestHeaders().getFirst("X-API-Key")),
                current,
                System.currentTimeMillis());
        rateLimitHeaders(exchange, verdict, current);
        try {
            Route route = Route.of(exchange.getRequestMethod(), path);
            byte[] body = readBody(exchange);
            if (!verdict.allowed()) throw new ApiError(429, "RATE_LIMIT_EXCEEDED", "Too many requests");
            JsonNode json = route.isWrite() ? parse(body) : null;
            String requestId = json == null ? null : requestId(json);
            if (requestId != null) {
                ledger.recordCall(requestId);
                ledger.recordTraceparent(requestId, exchange.getRequestHeaders().getFirst("traceparent"));
            }
            sleep(current.sampleLatency());
            Map.Entry<String, Duration> hold = held.get();
            if (hold != null && requestId != null && requestId.startsWith(hold.getKey())) sleep(hold.getValue());
            Map.Entry<String, Integer> fail = failing.get();
            if (fail != null
                    && requestId != null
                    && requestId.startsWith(fail.getKey())
                    && ledger.calls(requestId) <= fail.getValue()) {
                throw serverError(503, route);
            }
            injectFailure(current, route);
            keys.authorize(
                    exchange.getRequestHeaders().getFirst("X-API-Key"),
                    exchange.getRequestHeaders().getFirst("X-API-Secret"),
                    route.isWrite() ? ApiKeys.Scope.WRITE : ApiKeys.Scope.READ);
            if (!route.isWrite()) {
                send(exchange, 200, JSON.writeValueAsBytes(read(route, exchange)));
                return;
            }
            Idempotency.Reply reply = idempotency.apply(requestId, () -> write(route, json, requestId));
            Map.Entry<String, Integer> lose = losing.get();
            if (lose != null
                    && requestId != null
                    && requestId.startsWith(lose.getKey())
                    && ledger.calls(requestId) <= lose.getValue()) {
                throw serverError(503, route);
            }
            if (!reply.replayed() && Faults.chance(current.lost())) {
                loseAnswer(exchange, current, route);
                return;
            }
            send(exchange, reply.status(), reply.body());
        } catch (ApiError e) {
            sendError(exchange, e);
        }
    }

    private Idempotency.Reply write(Route route, JsonNode json, String requestId) {
        Map<String, Object> result = switch (route.kind()) {
            case CREATE_INVOICE -> expereon.createInvoice(json);
            case INVOICE_ACTION -> expereon.act(route.invoiceId(), route.action());
            case PAY -> expereon.pay(json);
            default -> throw new IllegalStateException("not a write: " + route);
        };
        if (requestId != null) ledger.recordEffect(requestId);
        announce(route, result, requestId);
        return new Idempotency.Reply(
                route.kind() == Route.Kind.INVOICE_ACTION ? 200 : 201, JSON.writeValueAsBytes(result), false);
    }

    /** The webhooks of a write's first effect (a replay never gets here). */
    private void announce(Route route, Map<String, Object> result, String requestId) {
        switch (route.kind()) {
            case INVOICE_ACTION -> {
                if (route.action().equals("approve")) webhooks.invoiceApproved(result, requestId);
            }
            case PAY -> webhooks.paymentMade(result, expereon.getInvoice((String) result.get("invoiceId")), requestId);
            default -> {}
        }
    }

    private Map<String, Object> read(Route route, HttpExchange exchange) {
        return switch (route.kind()) {
            case GET_INVOICE -> expereon.getInvoice(route.invoiceId());
            case LIST_INVOICES -> {
                Map<String, String> query = Route.query(exchange.getRequestURI().getRawQuery());
                yield expereon.listInvoices(intParam(query, "page", 0), intParam(query, "limit", 10));
            }
            default -> throw new IllegalStateException("not a read: " + route);
        };
    }

    private static void injectFailure(Faults current, Route route) {
        if (Faults.chance(current.hang())) {
            sleep(Duration.ofMillis(current.hangMs()));
            throw new ApiError(504, "GATEWAY_TIMEOUT", "Request took too long");
        }
        int status = current.sampleServerError();
        if (status != 0) throw serverError(status, route);
    }

    private static ApiError serverError(int status, Route route) {
        return switch (status) {
            case 500 ->
                route.kind() == Route.Kind.PAY
                        ? new ApiError(500, "PAYMENT_FAILED", "Payment processing failed")
                        : new ApiError(500, "INTERNAL_ERROR", "An unexpected error occurred");
            case 502 -> new ApiError(502, "BAD_GATEWAY", "A downstream service is temporarily unavailable");
            case 503 -> new ApiError(503, "SERVICE_UNAVAILABLE", "The API is temporarily down for maintenance");
            default -> new ApiError(504, "GATEWAY_TIMEOUT", "Request took too long");
        };
    }

    /** The effect is applied; the client must not learn it from this answer. */
    private static void loseAnswer(HttpExchange exchange, Faults current, Route route) throws IOException {
        switch (current.sampleLostAs()) {
            case "5xx" ->
                sendError(
                        exchange,
                        serverError(
                                new int[] {500, 502, 503, 504}
                                        [
                                        java.util.concurrent.ThreadLocalRandom.current()
                                                .nextInt(4)],
                                route));
            case "hang" -> sleep(Duration.ofMillis(current.hangMs()));
            default -> {}
        }
        // closing an exchange whose headers were never sent drops the connection
    }

    private static void rateLimitHeaders(HttpExchange exchange, RateLimiter.Verdict verdict, Faults current) {
        long nowMs = System.currentTimeMillis();
        long reset = current.resetFormat().equals("epoch")
                ? Math.ceilDiv(verdict.resetAtMs(), 1000)
                : Math.max(1, Math.ceilDiv(verdict.resetAtMs() - nowMs, 1000));
        var headers = exchange.getResponseHeaders();
        headers.set("X-RateLimit-Limit", Integer.toString(verdict.limit()));
        headers.set("X-RateLimit-Remaining", Integer.toString(verdict.remaining()));
        headers.set("X-RateLimit-Reset", Long.toString(reset));
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) return JSON.createObjectNode();
        try {
            JsonNode json = JSON.readTree(body);
            if (!json.isObject()) throw ApiError.invalidRequest("body", "Request body must be a JSON object");
            return json;
        } catch (JacksonException e) {
            throw ApiError.invalidRequest("body", "Request body is not valid JSON");
        }
    }

    private static String requestId(JsonNode json) {
        JsonNode node = json.get("requestId");
        if (node == null || node.isNull()) return null;
        if (!node.isString()
                || node.stringValue().isEmpty()
                || node.stringValue().length() > 128) {
            throw ApiError.invalidRequest("requestId", "requestId must be a string of 1 to 128 characters");
        }
        return node.stringValue();
    }

    private static int intParam(Map<String, String> query, String name, int fallback) {
        String value = query.get(name);
        if (value == null) return fallback;
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw ApiError.invalidRequest(name, name + " must be an integer");
        }
    }

    static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) throw ApiError.invalidRequest("body", "Request body is larger than 1 MiB");
            return body;
        }
    }

    static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    static void sendError(HttpExchange exchange, ApiError error) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error.code);
        body.put("message", error.getMessage());
        body.put("details", error.details);
        send(exchange, error.status, JSON.writeValueAsBytes(body));
    }

    static void sleep(Duration duration) {
        if (duration.isZero()) return;
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Faults merge(Faults base, ObjectNode changes) {
        ObjectNode merged = JSON.valueToTree(base);
        merged.setAll(changes);
        return JSON.treeToValue(merged, Faults.class);
    }

    public static void main(String[] args) throws InterruptedException {
        SandboxOptions options;
        try {
            options = SandboxOptions.parse(args);
        } catch (RuntimeException e) {
            System.err.println("sandbox: " + e.getMessage());
            System.err.println(SandboxOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(SandboxOptions.USAGE);
            return;
        }
        SandboxServer server = start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("Expereon sandbox listening on http://" + options.host() + ":" + server.port() + " (key "
                + options.key() + "); webhooks: " + (options.webhookUrl() == null ? "none" : options.webhookUrl())
                + "; faults: " + JSON.writeValueAsString(options.faults()));
        Thread.currentThread().join();
    }
}
