package io.remit.routing;

import io.remit.HeaderText;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * What remit's headers on a retry record say, written and read here only: the attempt it is for, the 429s so far and
 * the failures on codes' own ladders (neither uses up the default ladder), when it is due, and the earlier command it
 * waits for. A record of the commands topic is a first attempt whatever its headers say (a producer may forge them).
 *
 * @param attempt     the API attempt the record is for (1: the first)
 * @param rateLimited earlier attempts answered 429
 * @param codeRetries earlier failures on codes' own ladders
 * @param dueAt       when the record may be processed; null: at once (absent or unreadable)
 * @param waitingFor  the requestId of an earlier command for the same invoice it waits for
 */
public record RetryHeaders(
        int attempt,
        int rateLimited,
        CodeRetries codeRetries,
        @Nullable Instant dueAt,
        @Nullable String waitingFor) {
    /** A command's first arrival. */
    public static final RetryHeaders FIRST = new RetryHeaders(1, 0, CodeRetries.NONE, null, null);

    /** The headers a retry decision gives its record. */
    public static RetryHeaders of(Decision.Retry retry) {
        return new RetryHeaders(
                retry.nextAttempt(), retry.rateLimited(), retry.codeRetries(), retry.dueAt(), retry.waitingFor());
    }

    /**
     * Reads a record of a retry topic. An attempt that cannot be read counts as {@code attemptIfUnreadable} (remit
     * passes the last the default ladder allows: a record it cannot place is not retried forever).
     */
    public static RetryHeaders read(Headers headers, int attemptIfUnreadable) {
        Integer attempt = number(HeaderText.last(headers, RemitHeaders.ATTEMPT));
        Integer rateLimited = number(HeaderText.last(headers, RemitHeaders.RATE_LIMITED));
        return new RetryHeaders(
                attempt == null ? attemptIfUnreadable : Math.max(1, attempt),
                rateLimited == null ? 0 : Math.max(0, rateLimited),
                CodeRetries.parse(HeaderText.last(headers, RemitHeaders.CODE_RETRIES)),
                instant(HeaderText.last(headers, RemitHeaders.DUE_AT)),
                HeaderText.last(headers, RemitHeaders.WAITING_FOR));
    }

    /** Sets these headers on an outgoing record, replacing any of the same names. */
    public void writeTo(Headers headers) {
        HeaderText.replace(headers, RemitHeaders.ATTEMPT, Integer.toString(attempt));
        HeaderText.replace(headers, RemitHeaders.RATE_LIMITED, Integer.toString(rateLimited));
        if (dueAt != null) HeaderText.replace(headers, RemitHeaders.DUE_AT, dueAt.toString());
        if (codeRetries.header() != null) HeaderText.replace(headers, RemitHeaders.CODE_RETRIES, codeRetries.header());
        if (waitingFor != null) HeaderText.replace(headers, RemitHeaders.WAITING_FOR, waitingFor);
    }

    private static @Nullable Integer number(@Nullable String text) {
        if (text == null) return null;
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static @Nullable Instant instant(@Nullable String text) {
        if (text == null) return null;
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
