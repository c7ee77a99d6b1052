package io.remit.console.deadletter;

import java.time.Instant;
import java.util.List;

/**
 * One narrowing of the dead letters a {@link DeadLetterFilter} selects; a filter selects those that meet all of its
 * conditions. {@link DeadLetterReader#where} turns each into SQL, so the compiler sees every kind handled.
 */
public sealed interface DeadLetterCondition {
    /** Dead-lettered with any of these error codes (never empty). */
    record CodeIn(List<String> codes) implements DeadLetterCondition {}

    /** Of any of these command types (never empty). */
    record TypeIn(List<String> types) implements DeadLetterCondition {}

    /** Under any of these requestIds (never empty). */
    record RequestIdIn(List<String> requestIds) implements DeadLetterCondition {}

    /** Dead-lettered at or after {@code at}. */
    record DeadLetteredFrom(Instant at) implements DeadLetterCondition {}

    /** Dead-lettered before {@code at}. */
    record DeadLetteredBefore(Instant at) implements DeadLetterCondition {}
}
