package io.remit.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.httpcomponents.hc5.PoolingHttpClientConnectionManagerMetricsBinder;
import io.remit.command.Command;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.io.EofSensorInputStream;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Expereon payments API as remit uses it: one command, one request, with the command's
 * requestId in the body so that a retry never has a second effect. Never throws for what the
 * API or the network did: every answer becomes an {@link Outcome}. At most
 * {@code remit.api.max-in-flight} calls are in flight; callers wait for a slot.
 */
public final class PaymentsApi implements ApiClient, AutoCloseable {
    /** One call: its outcome and how long the API took to give it. */

    /** The request a command becomes: a POST of {@code body} to {@code path}. */
    public record Request(String path, byte[] body) {}

    private final ApiProperties properties;
    private final ResponseClassifier classifier;
    private final JsonMapper json;
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("remit-api-deadlines").daemon().factory());

    private final PoolingHttpClientConnectionManager pool;
    private final TraceHeaders trace;
    private final CloseableHttpClient http;
    private final Semaphore inFlight;
    private final String baseUrl;
    private final int maxResponseBytes;

    /** @param trace the current span's context as request headers: the API's traces continue the command's */
    public PaymentsApi(ApiProperties properties, ResponseClassifier classifier, JsonMapper json, TraceHeaders trace) {
        this.trace = trace;
        this.properties = properties;
        this.classifier = classifier;
        this.json = json;
        this.inFlight = new Semaphore(properties.maxInFlight(), true);
        this.baseUrl = properties.baseUrl().toString().replaceAll("/+$", "");
        this.maxResponseBytes = (int)
                Math.min(Integer.MAX_VALUE - 8, properties.maxResponseSize().toBytes());
        this.pool = pool(properties);
        this.http = client(properties, pool);
    }

    /** The connection pool's meters ({@code httpcomponents_httpclient_pool_*}, pool {@code payments-api}). */
    public void bindMetrics(MeterRegistry registry) {
        new PoolingHttpClientConnectionManagerMetricsBinder(pool, "payments-api").bindTo(registry);
    }

    /**
     * Apache HttpClient 5, blocking, on the caller's virtual thread: a pooled keep-alive
     * connection per call in flight. It spends about half the CPU per request of the JDK's
     * HttpClient (see SandboxLoadBenchmark), which matters when the API is fast.
     */
    private static PoolingHttpClientConnectionManager pool(ApiProperties properties) {
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(properties.maxInFlight())
                .setMaxConnPerRoute(properties.maxInFlight())
                .setDefaultConnectionConfig(connectionConfig(properties))
                .build();
    }

    /** How each pooled connection to the API is made and kept (also what the harness's client comparison uses). */
    public static ConnectionConfig connectionConfig(ApiProperties properties) {
        return ConnectionConfig.custom()
                .setConnectTimeout(Timeout.of(properties.connectTimeout()))
                .setSocketTimeout(Timeout.of(properties.timeout()))
                // a connection idle this long is checked before reuse (at most 1 ms, and rare under load):
                // servers close idle keep-alive connections, some after a second or less
                .setValidateAfterInactivity(TimeValue.ofMilliseconds(100))
                .build();
    }

    private static CloseableHttpClient client(ApiProperties properties, PoolingHttpClientConnectionManager pool) {
        Timeout timeout = Timeout.of(properties.timeout());
        return HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(
                        RequestConfig.custom().setResponseTimeout(timeout).build())
                .setRetryStrategy(new StaleConnectionRetry())
                // a server that closes idle keep-alive connections leaves stale ones in the pool: drop them before use
                .evictIdleConnections(TimeValue.ofSeconds(2))
                .evictExpiredConnections()
                .disableRedirectHandling()
                // a compressed answer would be read through a decompressing stream that drains the rest when closed:
                // the API's answers are small, and a bounded read must stay bounded
                .disableContentCompression()
                .disableCookieManagement()
                .build();
    }

    /**
     * A request that failed on a pooled connection the server had already closed (no answer at
     * all, at once) is sent again, up to three times (the next pooled connection may be stale too;
     * found by a long run against a server that closes idle keep-alive connections, where a single
     * resend still let 9 of 20,000 commands run out of retries). Safe for POSTs here: every write
     * carries its requestId, so the API applies it at most once. Answers are never retried by the
     * client: 429 and 5xx go to the retry ladder.
     */
    private static final class StaleConnectionRetry extends DefaultHttpRequestRetryStrategy {
        StaleConnectionRetry() {
            super(3, TimeValue.ZERO_MILLISECONDS);
        }

        @Override
        protected boolean handleAsIdempotent(HttpRequest request) {
            return true;
        }

        @Override
        public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
            return false;
        }

        /**
         * A resend after a failure that came once the request may have been written (not a connection never made) is
         * marked: the API may have applied the first copy, so however the last one fails (a connection refused by an
         * API that died after applying it), the call's outcome is unknown, not "never sent".
         */
        @Override
        public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
            boolean again = super.retryRequest(request, exception, execCount, context);
            if (again && !ResponseClassifier.neverSent(exception)) context.setAttribute(MAY_HAVE_BEEN_SENT, exception);
            return again;
        }
    }

    /** The context attribute of a call resent after a failure that may have followed its request's arrival. */
    static final String MAY_HAVE_BEEN_SENT = "remit.may-have-been-sent";

    @Override
    public Attempt send(Command command) throws InterruptedException {
        Request request = requestFor(command);
        HttpPost post = new HttpPost(url(request));
        post.setEntity(new ByteArrayEntity(request.body(), ContentType.APPLICATION_JSON));
        trace.addTo(post::setHeader);
        return call(authorized(post));
    }

    /** Where a request is sent: the API's root (without a trailing slash) and the request's path. */
    public String url(Request request) {
        return baseUrl + request.path();
    }

    /** The path and body remit sends for a command, with the command's requestId in the body. */
    public Request requestFor(Command command) {
        return new Request(path(command), json.writeValueAsBytes(body(command)));
    }

    /**
     * Whether the API accepts remit's credentials for writes now: an empty POST to
     * {@code remit.api.probe-path}, which the API refuses on its merits (400) without any effect
     * when the key and its write scope are good, and with 401/403 when they are not.
     */
    @Override
    public Outcome probe() throws InterruptedException {
        HttpPost post = new HttpPost(baseUrl + properties.probePath());
        post.setEntity(new ByteArrayEntity("{}".getBytes(StandardCharsets.UTF_8), ContentType.APPLICATION_JSON));
        return call(authorized(post)).outcome();
    }

    private Attempt call(HttpUriRequestBase request) throws InterruptedException {
        inFlight.acquire();
        long start = System.nanoTime();
        // socket timeouts bound the silence between reads; this bounds the whole answer
        ScheduledFuture<?> deadline =
                DEADLINES.schedule(request::cancel, properties.timeout().toNanos(), TimeUnit.NANOSECONDS);
        HttpClientContext context = HttpClientContext.create();
        try {
            Outcome outcome = http.execute(request, context, response -> {
                // the API's own header; a proxy or gateway in front of it may send only the standard one
                Header reset = response.getFirstHeader("X-RateLimit-Reset");
                if (reset == null) reset = response.getFirstHeader("Retry-After");
                byte[] body = bounded(response);
                if (body == null) return classifier.tooLarge(response.getCode(), maxResponseBytes);
                return classifier.classify(response.getCode(), reset == null ? null : reset.getValue(), body);
            });
            return new Attempt(outcome, Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted())
                throw new InterruptedException("abandoned while calling the API");
            IOException failure = request.isCancelled()
                    ? new SocketTimeoutException("no complete answer within " + properties.timeout())
                    : e;
            Object earlier = context.getAttribute(MAY_HAVE_BEEN_SENT);
            return new Attempt(
                    earlier instanceof IOException first
                            ? classifier.classifyResent(first, failure)
                            : classifier.classify(failure),
                    Duration.ofNanos(System.nanoTime() - start));
        } catch (IllegalStateException e) {
            // the deadline cancelled the request while the client was getting or opening its connection: the client
            // then says its endpoint was released (found by the 100,000-command chaos run: 62 such calls, each logged
            // as remit's own error); it is the timeout it is, and ambiguous like any timeout
            if (!request.isCancelled()) throw e;
            return new Attempt(
                    classifier.classify(
                            new SocketTimeoutException("no complete answer within " + properties.timeout())),
                    Duration.ofNanos(System.nanoTime() - start));
        } finally {
            deadline.cancel(false);
            inFlight.release();
        }
    }

    /**
     * The answer's body; null when it is larger than {@code remit.api.max-response-size}: then the rest is not read
     * (it may never end) and the connection is dropped instead of being drained for reuse.
     */
    private byte @Nullable [] bounded(ClassicHttpResponse response) throws IOException {
        HttpEntity entity = response.getEntity();
        if (entity == null) return new byte[0];
        InputStream in = entity.getContent();
        if (in == null) return new byte[0];
        byte[] body = entity.getContentLength() > maxResponseBytes ? null : in.readNBytes(maxResponseBytes + 1);
        if (body != null && body.length <= maxResponseBytes) {
            in.close();
            return body;
        }
        if (in instanceof EofSensorInputStream stream) stream.abort();
        else in.close();
        return null;
    }

    @Override
    public void close() throws IOException {
        http.close();
    }

    private <R extends HttpUriRequestBase> R authorized(R request) {
        request.setHeader("X-API-Key", properties.key());
        request.setHeader("X-API-Secret", properties.secret());
        return request;
    }

    private String path(Command command) {
        String template = Objects.requireNonNull(
                properties.paths().get(command.type().wireName()), "ApiProperties keeps a path for every command type");
        return command instanceof Command.InvoiceAction action
                ? template.replace("{id}", pathSegment(action.invoiceId()))
                : template;
    }

    /**
     * A value as one path segment: every byte outside RFC 3986's unreserved characters percent-encoded, and the dot
     * segments refused (the parser refuses them first; a server or proxy would resolve them to another route).
     */
    static String pathSegment(String value) {
        if (value.isEmpty() || value.equals(".") || value.equals(".."))
            throw new IllegalArgumentException("not a path segment: \"" + value + "\"");
        StringBuilder out = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

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
