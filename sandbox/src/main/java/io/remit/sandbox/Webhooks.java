package io.remit.sandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Sends Expereon's signed webhooks for the first effect of a write: {@code invoice.approved} for an
 * approval; {@code payment.settled} and {@code invoice.settled} for a payment (or, by the fault
 * webhookFailedShare, {@code payment.failed} alone). Each event is POSTed after its delay and retried
 * (100 ms, doubling to 2 s) until the receiver answers 2xx, for as long as the sandbox runs; the
 * webhook faults of {@link Faults} apply. With no URL configured no event is made.
 */
public final class Webhooks implements AutoCloseable {
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    private static final int CONCURRENT_ATTEMPTS = 32;

    private record Target(URI url, String secret) {}

    private final Supplier<Faults> faults;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore attempting = new Semaphore(CONCURRENT_ATTEMPTS);
    /** invoice.approved events held back by the reorder fault, by invoice id. */
    private final Map<String, WebhookEvent> held = new ConcurrentHashMap<>();

    private volatile WebhookLog log = new WebhookLog();
    private volatile Target target;

    Webhooks(String url, String secret, Supplier<Faults> faults, Clock clock) {
        this.faults = faults;
        this.clock = clock;
        configure(url, secret);
    }

    /**
     * Sends events to {@code url}, signed with {@code secret} (null: the default), from now on; pending
     * ones too. A null or blank url turns webhooks off: no new events, pending ones wait.
     */
    public void configure(String url, String secret) {
        String key = secret == null ? SandboxOptions.DEFAULT_WEBHOOK_SECRET : secret;
        target = new Target(url == null || url.isBlank() ? null : URI.create(url), key);
    }

    /** Where events go, or null when webhooks are off. */
    public String url() {
        URI url = target.url();
        return url == null ? null : url.toString();
    }

    public String secret() {
        return target.secret();
    }

    private boolean off() {
        return target.url() == null;
    }

    public WebhookLog log() {
        return log;
    }

    /** Events accepted at least once, in the order they were made. */
    public List<WebhookLog.Entry> delivered() {
        return log.events().stream().filter(WebhookLog.Entry::delivered).toList();
    }

    /** Deliveries (events and their duplicates) not yet accepted. */
    public long pending() {
        return log.pending();
    }

    /** Waits until nothing is pending; false if {@code timeout} passed first. */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (log.pending() > 0) {
            if (System.nanoTime() - deadline > 0) return false;
            Thread.sleep(10);
        }
        return true;
    }

    void invoiceApproved(Map<String, Object> invoice, String requestId) {
        if (off()) return;
        WebhookEvent approved = event("invoice.approved", invoice, requestId);
        Faults current = faults.get();
        if (Faults.chance(current.webhookReorder())) {
            hold(approved, current.webhookReorderHoldMs());
        } else {
            deliver(approved, null, log);
        }
    }

    void paymentMade(Map<String, Object> payment, Map<String, Object> invoice, String requestId) {
        if (off()) return;
        WebhookEvent approved = held.remove((String) invoice.get("id"));
        if (Faults.chance(faults.get().webhookFailedShare())) {
            Map<String, Object> failed = new LinkedHashMap<>(payment);
            failed.put("status", "FAILED");
            deliver(event("payment.failed", failed, requestId), null, log);
            if (approved != null) deliver(approved, null, log);
            return;
        }
        deliver(event("payment.settled", payment, requestId), null, log);
        Map<String, Object> settled = new LinkedHashMap<>(invoice);
        settled.put("paymentId", payment.get("id"));
        deliver(event("invoice.settled", settled, requestId), approved, log);
    }

    /** Forgets every event; deliveries under way stop at their next attempt. */
    void reset() {
        log = new WebhookLog();
        held.clear();
    }

    @Override
    public void close() {
        senders.shutdownNow();
        http.shutdownNow();
    }

    private WebhookEvent event(String type, Map<String, Object> fields, String requestId) {
        Map<String, Object> data = new LinkedHashMap<>(fields);
        if (requestId != null) data.put("requestId", requestId);
        WebhookEvent event = WebhookEvent.of(type, data, clock);
        log.scheduled(event);
        return event;
    }

    private void hold(WebhookEvent approved, long holdMs) {
        WebhookLog owner = log;
        held.put(approved.dataId(), approved);
        senders.execute(() -> {
            SandboxServer.sleep(Duration.ofMillis(holdMs));
            if (held.remove(approved.dataId(), approved)) deliver(approved, null, owner);
        });
    }

    /** Delivers {@code event}, then {@code next} (an event held back to arrive after it), then any duplicate. */
    private void deliver(WebhookEvent event, WebhookEvent next, WebhookLog owner) {
        senders.execute(() -> {
            Faults current = faults.get();
            SandboxServer.sleep(current.sampleWebhookDelay());
            if (!sendUntilAccepted(event, owner, Faults.chance(current.webhookBadSignature()))) return;
            if (next != null) deliver(next, null, owner);
            if (Faults.chance(faults.get().webhookDuplicate())) {
                owner.duplicating();
                sendUntilAccepted(event, owner, false);
            }
        });
    }

    private boolean sendUntilAccepted(WebhookEvent event, WebhookLog owner, boolean wrongSignatureFirst) {
        Duration backoff = FIRST_BACKOFF;
        boolean wrongSignature = wrongSignatureFirst;
        while (log == owner && !Thread.currentThread().isInterrupted()) {
            Target current = target;
            if (current.url() != null) {
                HttpResponse<String> answer = attempt(current, event, wrongSignature);
                int status = answer == null ? 0 : answer.statusCode();
                owner.attempted(event, status, answer == null ? null : answer.body(), wrongSignature);
                if (status / 100 == 2) return true;
                wrongSignature = false;
            }
            SandboxServer.sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
        return false;
    }

    /** One POST; its answer, or null when none came. */
    private HttpResponse<String> attempt(Target current, WebhookEvent event, boolean wrongSignature) {
        byte[] body = event.bytes();
        String key = wrongSignature ? current.secret() + "-but-wrong" : current.secret();
        HttpRequest request = HttpRequest.newBuilder(current.url())
                .timeout(ATTEMPT_TIMEOUT)
                .header("Content-Type", "application/json")
                .header(WebhookSignature.HEADER, WebhookSignature.sign(body, key))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            attempting.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            attempting.release();
        }
    }
}
