package io.remit.command;

import org.jspecify.annotations.Nullable;

/** What a Kafka record turned out to hold: a command, or the reason it can never be one. */
public sealed interface ParsedCommand {
    /** The command type's wire name, or {@link CommandType#UNKNOWN} when it could not be read. */
    default String typeName() {
        return switch (this) {
            case Valid valid -> valid.command().type().wireName();
            case Invalid invalid -> invalid.type();
        };
    }

    /** A command to send to the API. */
    record Valid(Command command) implements ParsedCommand {}

    /**
     * Not a command; dead-lettered without calling the API.
     *
     * @param requestId the record's key when it is a valid requestId
     * @param type      the command type when it could be read, else {@link CommandType#UNKNOWN}
     */
    record Invalid(String code, String message, @Nullable String requestId, String type) implements ParsedCommand {}
}
