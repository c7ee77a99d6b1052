package io.remit.console;

/** What a console user may do. An operator may also do everything a viewer may. */
public enum ConsoleRole {
    /** Reads dead letters, attempts and redrives: every GET under {@code /ops/}. */
    VIEWER,
    /** Also starts and cancels redrives. */
    OPERATOR
}
