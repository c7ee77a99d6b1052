package io.remit.api;

import io.remit.Printable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.lang.Contract;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns an HTTP answer, or the lack of one, into an {@link Outcome}, following the API's error
 * guide: 2xx succeeded; 429 and 5xx transient; 401 and 403 halt (so do 1xx and 3xx: remit is misconfigured,
 * e.g. redirected to another address); other 4xx rejected. Matches on
 * the body's {@code error} code, never on its message. Per-code overrides from
 * {@code remit.retry.codes} can then turn a code into a retry or a dead letter.
 */
public final class ResponseClassifier {
    /** A reset value above this is an epoch time; below, seconds to wait (no sane wait is 30 years). */
    private static final long EPOCH_THRESHOLD = 1_000_000_000L;
    /** An epoch value above this is in milliseconds: in seconds it would be past the year 5000. */
    private static final long EPOCH_MILLIS_THRESHOLD = 100_000_000_000L;

    public static final int MAX_MESSAGE = 500;

    private final JsonMapper json;
    private final Clock clock;
    private final Map<String, CodeAction> overrides;

    public ResponseClassifier(JsonMapper json, Clock clock, Map<String, CodeAction> overrides) {
        this.json = json;
        this.clock = clock;
        this.overrides = overrides;
    }

    /** An error code as it may become a metric label and a stored code; anything else is {@link #UNRECOGNISED}. */
    private static final Pattern CODE = Pattern.compile("[A-Z0-9_]{1,64}");

    /** The code of an answer whose {@code error} is not a code ({@link #CODE}): the raw text is kept in the message. */
    public static final String UNRECOGNISED = "UNRECOGNISED_ERROR";

    /** The longest resource id kept: the API's ids are short; a longer one is not an id. */
    private static final int MAX_ID = 256;

    public Outcome classify(int status, @Nullable String rateLimitReset, byte @Nullable [] body) {
        if (status >= 200 && status < 300) return succeeded(status, body);
        String rawCode = field(body, "error");
        String code = errorCode(status, rawCode);
        String message = Printable.of(field(body, "message"));
        if (!code.equals(rawCode) && rawCode != null && !rawCode.isBlank())
            message = "error code " + Printable.of(quoted(rawCode)) + (message == null ? "" : ": " + message);
        return classified(status, code, truncate(message), rateLimitReset);
    }

    /**
     * An answer whose body is larger than remit reads ({@code remit.api.max-response-size}): judged by its status alone; a
     * success is kept without its body.
     */
    public Outcome tooLarge(int status, int maxBytes) {
        if (status >= 200 && status < 300) return new Outcome.Succeeded(status, null, null);
        return classified(
                status,
                "HTTP_" + status,
                "the answer's body is larger than " + maxBytes + " bytes (remit.api.max-response-size); not read",
                null);
    }

    private Outcome classified(int status, String code, @Nullable String message, @Nullable String rateLimitReset) {
        Outcome outcome;
        if (status == 429) {
            // a 429 never uses up the ladder: without a time to wait that remit can read (none, an HTTP date), it is
            // retried on the shortest tier
            Instant notBefore = resetInstant(rateLimitReset);
            outcome = new Outcome.Transient(status, code, message, notBefore == null ? clock.instant() : notBefore);
        } else if (status >= 500) {
            outcome = new Outcome.Transient(status, code, message, null);
        } else if (status == 401 || status == 403 || status < 400) {
            // refused credentials, or an answer (1xx, 3xx) that means remit is not talking to the API it thinks
            return new Outcome.Halt(status, code, message);
        } else {
            outcome = new Outcome.Rejected(status, code, message);
        }
        return override(outcome, code);
    }

    /**
     * The code of a connection that was never made (refused, unreachable, unknown host, connect timeout): the request
     * was not sent, so the API cannot have applied it. A {@code TIMEOUT} or {@code CONNECTION_ERROR} came after the
     * request was written: the API may have applied it.
     */
    public static final String CONNECT_FAILED = "CONNECT_FAILED";

    /** Whether a failure came before any request was written: a connection never made. */
    public static boolean neverSent(IOException failure) {
        return failure instanceof ConnectException
                || failure instanceof ConnectTimeoutException
                || failure instanceof UnknownHostException
                || failure instanceof NoRouteToHostException;
    }

    /**
     * A call the client sent again after {@code first} failed once its request may have arrived, and that finally
     * failed with {@code last}: whatever {@code last} is, the API may have applied the first copy, so it is a
     * {@code CONNECTION_ERROR} (ambiguous), never {@link #CONNECT_FAILED}.
     */
    public Outcome classifyResent(IOException first, IOException last) {
        Outcome outcome = classify(last);
        if (!neverSent(last)) return outcome;
        return new Outcome.Transient(
                0,
                "CONNECTION_ERROR",
                truncate(Printable.of(first.getClass().getSimpleName() + ": " + first.getMessage()
                        + "; sent again, then " + last.getClass().getSimpleName() + ": " + last.getMessage())),
                null);
    }

    public Outcome classify(IOException failure) {
        if (neverSent(failure)) {
            return new Outcome.Transient(
                    0,
                    CONNECT_FAILED,
                    truncate(Printable.of(failure.getClass().getSimpleName() + ": " + failure.getMessage())),
                    null);
        }
        boolean timeout = failure instanceof SocketTimeoutException || failure instanceof InterruptedIOException;
        String code = timeout ? "TIMEOUT" : "CONNECTION_ERROR";
        String message = timeout
                ? "no answer within the timeout"
                : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        return new Outcome.Transient(0, code, truncate(Printable.of(message)), null);
    }

    private Outcome override(Outcome outcome, String code) {
        CodeAction action = overrides.get(code);
        if (action == null) return outcome;
        return switch (action) {
            case RETRY ->
                outcome instanceof Outcome.Rejected r
                        ? new Outcome.Transient(r.status(), r.code(), r.message(), null)
                        : outcome;
            case DEAD_LETTER ->
                outcome instanceof Outcome.Transient t
                        ? new Outcome.Rejected(t.status(), t.code(), t.message())
                        : outcome;
        };
    }

    /** When a 429 may be retried: X-RateLimit-Reset as epoch seconds, epoch milliseconds, or seconds to wait. */
    @Nullable
    Instant resetInstant(@Nullable String header) {
        if (header == null) return null;
        try {
            long value = Long.parseLong(header.trim());
            if (value < 0) return null;
            if (value > EPOCH_MILLIS_THRESHOLD) return Instant.ofEpochMilli(value);
            return value > EPOCH_THRESHOLD
                    ? Instant.ofEpochSecond(value)
                    : clock.instant().plusSeconds(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String errorCode(int status, @Nullable String code) {
        if (code == null || code.isBlank()) return "HTTP_" + status;
        return CODE.matcher(code).matches() ? code : UNRECOGNISED;
    }

    private static String quoted(String raw) {
        return "\"" + (raw.length() <= 100 ? raw : raw.substring(0, 100) + "…") + "\"";
    }

    private @Nullable String field(byte @Nullable [] body, String name) {
        if (body == null || body.length == 0) return null;
        try {
            JsonNode node = json.readTree(body);
            JsonNode value = node == null ? null : node.get(name);
            return value != null && value.isString() ? value.stringValue() : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    @Contract("!null -> !null")
    private static @Nullable String truncate(@Nullable String message) {
        return Printable.truncated(message, MAX_MESSAGE);
    }

    /** The largest success body kept (it travels in the outcome event and the outcome row). */
    static final int MAX_KEPT_BODY = 64 * 1024;

    /** A success: the body read once for its {@code id}, and kept as text when it is JSON of a reasonable size. */
    private Outcome.Succeeded succeeded(int status, byte @Nullable [] body) {
        if (body == null || body.length == 0) return new Outcome.Succeeded(status, null, null);
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JacksonException e) {
            return new Outcome.Succeeded(status, null, null);
        }
        // only whitespace reads as a missing node: nothing to keep, and nothing the outcome event could embed
        if (node == null || node.isMissingNode()) return new Outcome.Succeeded(status, null, null);
        JsonNode id = node.get("id");
        String kept = body.length <= MAX_KEPT_BODY ? keptText(body) : null;
        String resourceId = id != null && id.isString() && id.stringValue().length() <= MAX_ID
                ? Printable.of(id.stringValue())
                : null;
        return new Outcome.Succeeded(status, resourceId, kept);
    }

    /**
     * A body that read as one JSON value, as text that embeds as that value: without the byte-order mark the parser
     * skipped (U+FEFF is not JSON whitespace) and without the whitespace around it.
     */
    private static String keptText(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        return (text.startsWith("\uFEFF") ? text.substring(1) : text).trim();
    }
}
