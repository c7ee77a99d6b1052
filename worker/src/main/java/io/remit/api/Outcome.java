package io.remit.api;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What one attempt at the API came to, as a value. Classification ends here: routing decides
 * what happens next, with no I/O. {@code status} is the HTTP status, or 0 when no answer came.
 */
public sealed interface Outcome {
    int status();

    /**
     * Applied now, or earlier for this requestId. Recorded; never retried.
     *
     * @param body the API's JSON answer (null when it gave none or it was too large to keep)
     */
    record Succeeded(
            int status,
            @Nullable String resourceId,
            @Nullable String body) implements Outcome {
        public Succeeded(int status, String resourceId) {
            this(status, resourceId, null);
        }
    }

    /** Refused on its merits; the same request can never succeed. Dead-lettered. */
    record Rejected(int status, String code, @Nullable String message) implements Outcome {}

    /**
     * No answer now; the same request may succeed later. Retried on the next tier, and never
     * before {@code notBefore} when the API said when (429's {@code X-RateLimit-Reset}).
     */
    record Transient(
            int status,
            String code,
            @Nullable String message,
            @Nullable Instant notBefore) implements Outcome {}

    /** The API refused remit's credentials (401/403): the worker, not the command, is wrong. Intake halts. */
    record Halt(int status, String code, @Nullable String message) implements Outcome {}
}
