package io.remit.store;

/** A command's state in {@code command_outcome.status}. */
public enum OutcomeStatus {
    /** The API applied it (now or on an earlier attempt). Final: never sent again. */
    SUCCEEDED,
    /** Waiting on a delayed-retry topic. */
    RETRYING,
    /** On the dead-letter topic. Final for this record; a new record with the same key is tried afresh. */
    DEAD_LETTERED
}
