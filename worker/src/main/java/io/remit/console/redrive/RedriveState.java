package io.remit.console.redrive;

/** Where a redrive is. A dry run is DONE as soon as it is counted. */
public enum RedriveState {
    /** Publishing, on whichever instance holds its lease; resumed elsewhere if that instance stops. */
    RUNNING,
    /** Every selected dead letter was published or skipped. */
    DONE,
    /** Stopped by an operator: what was published stays published, nothing more is. */
    CANCELLED
}
