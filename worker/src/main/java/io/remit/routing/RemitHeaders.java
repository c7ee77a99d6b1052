package io.remit.routing;

import io.remit.Origin;

/** The names of every header remit writes. Retry and dead-letter records get them set, never appended. */
public final class RemitHeaders {
    /** Prefix of remit's own headers; other headers of a command are carried along untouched. */
    public static final String PREFIX = "remit.";

    /** On retry records: the number of the API attempt this record is for (2 for the first retry). */
    public static final String ATTEMPT = "remit.attempt";
    /** On retry records: how many attempts so far were answered 429 (they do not use up the retry ladder). */
    public static final String RATE_LIMITED = "remit.rate-limited";
    /** On retry records: ISO-8601 instant before which the record is not processed. */
    public static final String DUE_AT = "remit.due-at";
    /** On retry records: failures so far per code that has a ladder of its own, e.g. {@code INSUFFICIENT_BALANCE=2}. */
    public static final String CODE_RETRIES = "remit.code-retries";
    /** On retry records of a command that waits for an earlier one of its invoice: that one's requestId. */
    public static final String WAITING_FOR = "remit.waiting-for";

    /** On dead letters: why. The API's error code, or remit's own (COMMAND_INVALID, RETRIES_EXHAUSTED, …). */
    public static final String ERROR_CODE = "remit.error.code";
    /** On dead letters: the last HTTP status, or 0 when the API gave none. */
    public static final String ERROR_STATUS = "remit.error.status";

    public static final String ERROR_MESSAGE = "remit.error.message";
    /** On dead letters: API calls made for this command. */
    public static final String ATTEMPTS = "remit.attempts";

    public static final String COMMAND_TYPE = "remit.command.type";
    public static final String DEAD_LETTERED_AT = "remit.dead-lettered-at";

    /** On retry records and dead letters: where the command first arrived. */
    public static final String ORIGINAL_TOPIC = Origin.TOPIC;

    public static final String ORIGINAL_PARTITION = Origin.PARTITION;
    public static final String ORIGINAL_OFFSET = Origin.OFFSET;

    /** On dead letters whose value did not fit: the original value's size in bytes (the whole value is in PostgreSQL). */
    public static final String VALUE_TRUNCATED = "remit.value-truncated";
    /** On retry records and dead letters: how many foreign headers were left out (too many, or too large). */
    public static final String HEADERS_DROPPED = "remit.headers-dropped";

    private RemitHeaders() {}
}
