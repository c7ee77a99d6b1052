package io.remit.api;

/** What an API error code is made to mean, whatever its status says ({@code remit.retry.codes}). */
public enum CodeAction {
    /** Retried like a 5xx: on the default ladder, or on the code's own. */
    RETRY,
    /** Dead-lettered at once like a 4xx. */
    DEAD_LETTER
}
