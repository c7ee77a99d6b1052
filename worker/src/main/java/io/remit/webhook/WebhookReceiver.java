package io.remit.webhook;

import io.remit.Causes;
import io.remit.Printable;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.TransactionException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /webhooks/expereon} on the receiver's own port ({@code remit.webhooks.port}; 404 on any other). The
 * answer says whether Expereon should send again:
 * <ul>
 * <li>200: stored (committed) or already stored, whatever it matched;
 * <li>401: the signature does not verify, under either secret: counted, logged without the body, stored nowhere;
 * <li>400: not a webhook remit can read, or a time outside the tolerance (a replay): not stored;
 * <li>413: larger than {@code remit.webhooks.max-body}, refused before it is read whole;
 * <li>503: PostgreSQL did not take it; Expereon sends it again later.
 * </ul>
 */
@RestController
public final class WebhookReceiver {
    private static final Logger log = LoggerFactory.getLogger(WebhookReceiver.class);

    private final WebhookProperties properties;
    private final WebhookSignature signature;
    private final WebhookStore store;
    private final WebhookMetrics metrics;
    private final Clock clock;
    private final Refusals refusals;

    public WebhookReceiver(
            WebhookProperties properties,
            WebhookSignature signature,
            WebhookStore store,
            WebhookMetrics metrics,
            Clock clock) {
        this.properties = properties;
        this.signature = signature;
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
        this.refusals = new Refusals(clock);
    }

    /**
     * At most one log line about bad signatures every ten seconds: a flood of forged requests is counted
     * ({@code remit_webhooks_total}), not written line by line.
     */
    private static final class Refusals {
        private static final Duration EVERY = Duration.ofSeconds(10);
        private final Clock clock;
        private Instant lastLogged = Instant.MIN;
        private long since;

        Refusals(Clock clock) {
            this.clock = clock;
        }

        /** -1: do not log this one; else log it, with how many went unlogged before it. */
        synchronized long refused() {
            Instant now = clock.instant();
            if (lastLogged != Instant.MIN && now.isBefore(lastLogged.plus(EVERY))) {
                since++;
                return -1;
            }
            lastLogged = now;
            long unlogged = since;
            since = 0;
            return unlogged;
        }
    }

    @PostMapping("${remit.webhooks.path:/webhooks/expereon}")
    public ResponseEntity<Map<String, String>> receive(HttpServletRequest request) throws IOException {
        if (request.getLocalPort() != properties.port()) return answer(HttpStatus.NOT_FOUND, "NOT_FOUND");
        byte[] body = bounded(request);
        if (body == null) {
            metrics.received(null, WebhookMetrics.Result.TOO_LARGE);
            return answer(HttpStatus.CONTENT_TOO_LARGE, "BODY_TOO_LARGE");
        }
        if (!signature.verifies(body, request.getHeader(WebhookSignature.HEADER))) {
            metrics.received(null, WebhookMetrics.Result.BAD_SIGNATURE);
            long unlogged = refusals.refused();
            if (unlogged >= 0)
                log.warn(
                        "Webhook refused: {} ({} bytes from {}){}",
                        request.getHeader(WebhookSignature.HEADER) == null
                                ? "no " + WebhookSignature.HEADER
                                : "its signature does not verify",
                        body.length,
                        Printable.of(request.getRemoteAddr()),
                        unlogged == 0 ? "" : "; " + unlogged + " more refused since the last such line");
            return answer(HttpStatus.UNAUTHORIZED, "SIGNATURE_INVALID");
        }
        WebhookEvent event;
        try {
            event = WebhookEvent.parse(body, properties.fields());
        } catch (WebhookEvent.Malformed e) {
            metrics.received(null, WebhookMetrics.Result.MALFORMED);
            log.warn("Webhook refused: {}", Printable.of(e.getMessage()));
            return answer(HttpStatus.BAD_REQUEST, "EVENT_MALFORMED");
        }
        Instant now = clock.instant();
        if (outsideTolerance(event.occurredAt(), now) && !known(event.id())) {
            metrics.received(event.type(), WebhookMetrics.Result.STALE);
            log.warn(
                    "Webhook {} refused: its time {} is outside the tolerance of {}",
                    event.id(),
                    event.occurredAt(),
                    properties.tolerance());
            return answer(HttpStatus.BAD_REQUEST, "EVENT_TOO_OLD");
        }
        WebhookStore.Stored stored;
        try {
            stored = store.receive(event, now);
        } catch (DataAccessException | TransactionException e) { // no connection, a commit that failed: not stored
            metrics.received(event.type(), WebhookMetrics.Result.UNAVAILABLE);
            log.warn(
                    "Webhook {} not stored, answered 503 for Expereon to send it again: {}",
                    event.id(),
                    Causes.chain(e));
            return answer(HttpStatus.SERVICE_UNAVAILABLE, "STORE_UNAVAILABLE");
        }
        metrics.received(event.type(), WebhookMetrics.Result.valueOf(stored.name()));
        log.debug("Webhook {} ({}) committed: {}", Printable.of(event.id()), Printable.of(event.type()), stored);
        return answer(HttpStatus.OK, stored.name());
    }

    /** Whether the event was stored before: a redelivery is acknowledged whatever its age. */
    private boolean known(String eventId) {
        try {
            return store.known(eventId);
        } catch (DataAccessException | TransactionException e) {
            return false; // refused as a replay; if it was stored, Expereon's next delivery is acknowledged
        }
    }

    private boolean outsideTolerance(@Nullable Instant occurredAt, Instant now) {
        if (occurredAt == null) return false;
        return occurredAt.isBefore(now.minus(properties.tolerance()))
                || occurredAt.isAfter(now.plus(properties.futureSkew()));
    }

    /** The body; null when it is larger than allowed (its announced length is checked first). */
    private byte @Nullable [] bounded(HttpServletRequest request) throws IOException {
        long max = properties.maxBody().toBytes();
        if (request.getContentLengthLong() > max) return null;
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes((int) max + 1);
            return body.length > max ? null : body;
        }
    }

    private static ResponseEntity<Map<String, String>> answer(HttpStatus status, String result) {
        return ResponseEntity.status(status).body(Map.of("result", result));
    }
}
