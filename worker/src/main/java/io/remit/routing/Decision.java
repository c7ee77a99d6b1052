package io.remit.routing;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** Where a command goes next, decided by {@link OutcomeRouter} from an outcome alone. */
public sealed interface Decision {
    /** Done: recorded as SUCCEEDED, its offset committed, an outcome event produced; {@code response} is the API's JSON answer. */
    record Complete(
            int status,
            @Nullable String resourceId,
            @Nullable String response) implements Decision {
        public Complete(int status, @Nullable String resourceId) {
            this(status, resourceId, null);
        }
    }

    /**
     * Produced to {@code tier}'s topic, to be attempted again (attempt {@code nextAttempt}) no sooner than {@code dueAt};
     * {@code rateLimited} counts the 429s so far and {@code codeRetries} the failures on codes' own ladders, neither of
     * which uses up the default ladder. {@code waitingFor}: the requestId of an earlier command for the same invoice that
     * this one waits for, without using up an attempt (null when the command failed).
     */
    record Retry(
            RetryLadder.Tier tier,
            Instant dueAt,
            int nextAttempt,
            int rateLimited,
            CodeRetries codeRetries,
            @Nullable String waitingFor,
            int status,
            String code,
            @Nullable String message)
            implements Decision {}

    /**
     * Produced to the dead-letter topic with headers that say why; never attempted again. {@code leavesRow}: the record
     * refused is not its requestId's own command (another command, or bad input, under a requestId that may have taken
     * effect), so the requestId's outcome row, which is that command's, is left as it is; only the dead letter is stored.
     */
    record DeadLetter(int status, String code, @Nullable String message, boolean leavesRow) implements Decision {
        public DeadLetter(int status, String code, @Nullable String message) {
            this(status, code, message, false);
        }
    }

    /** Not recorded, not committed: intake stops until the API accepts remit's credentials again. */
    record Halt(int status, String code, @Nullable String message) implements Decision {}
}
