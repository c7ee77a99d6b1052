package io.remit.console.deadletter;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which dead letters, as an operator sends it (JSON, or the page's form): any of these codes, any of these command
 * types, any of these requestIds, dead-lettered in {@code [from, to)}. An empty list or a null bound does not narrow.
 * Cleaned and checked when made; read as typed {@link #conditions()}.
 *
 * @param codes      error codes ({@code CONNECTION_NOT_FOUND}, {@code RETRIES_EXHAUSTED} …)
 * @param types      command types ({@code invoice.create} …, or {@code unknown})
 * @param from       dead-lettered at or after
 * @param to         dead-lettered before
 * @param requestIds requestIds (Kafka keys)
 */
public record DeadLetterFilter(
        List<String> codes,
        List<String> types,
        @Nullable Instant from,
        @Nullable Instant to,
        List<String> requestIds) {

    public DeadLetterFilter {
        codes = clean(codes);
        types = clean(types);
        requestIds = clean(requestIds);
        if (from != null && to != null && !from.isBefore(to))
            throw new IllegalArgumentException("from must be before to");
    }

    public static DeadLetterFilter all() {
        return new DeadLetterFilter(List.of(), List.of(), null, null, List.of());
    }

    /** Whether this filter selects every dead letter. */
    public boolean selectsEverything() {
        return codes.isEmpty() && types.isEmpty() && requestIds.isEmpty() && from == null && to == null;
    }

    /** What this filter asks, one typed condition per narrowing it makes (none: every dead letter). */
    public List<DeadLetterCondition> conditions() {
        List<DeadLetterCondition> conditions = new ArrayList<>();
        if (!codes.isEmpty()) conditions.add(new DeadLetterCondition.CodeIn(codes));
        if (!types.isEmpty()) conditions.add(new DeadLetterCondition.TypeIn(types));
        if (!requestIds.isEmpty()) conditions.add(new DeadLetterCondition.RequestIdIn(requestIds));
        if (from != null) conditions.add(new DeadLetterCondition.DeadLetteredFrom(from));
        if (to != null) conditions.add(new DeadLetterCondition.DeadLetteredBefore(to));
        return conditions;
    }

    private static List<String> clean(List<String> values) {
        if (values == null) return List.of();
        return values.stream()
                .filter(Objects::nonNull)
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .map(DeadLetterFilter::withoutNul)
                .distinct()
                .toList();
    }

    /**
     * The text, refused (IllegalArgumentException: a 400) when it holds a NUL, which no requestId, code or type stored
     * holds and PostgreSQL refuses in a query's text.
     */
    public static String withoutNul(String text) {
        if (text.indexOf('\u0000') >= 0) throw new IllegalArgumentException("a NUL character is never part of one");
        return text;
    }
}
