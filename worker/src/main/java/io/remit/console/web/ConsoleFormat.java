package io.remit.console.web;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** How the triage page writes times (UTC) and reads the times typed into its filters. */
public final class ConsoleFormat {
    private static final DateTimeFormatter SHOWN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter INPUT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm").withZone(ZoneOffset.UTC);

    public String at(@Nullable Instant instant) {
        return instant == null ? "" : SHOWN.format(instant) + " UTC";
    }

    /** A time range as a person reads it; open ends are "any". */
    public String range(@Nullable Instant from, @Nullable Instant to) {
        if (from == null && to == null) return "any time";
        return (from == null ? "any time" : at(from)) + " to " + (to == null ? "now" : at(to));
    }

    /** {@code 1 dead letter}, {@code 3 dead letters}. */
    public String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** The value of a {@code datetime-local} input. */
    public String input(@Nullable Instant instant) {
        return instant == null ? "" : INPUT.format(instant.truncatedTo(ChronoUnit.MINUTES));
    }

    /** A bar's height in percent of the largest of {@code counts}. */
    public long percent(long count, long[] counts) {
        long max = Arrays.stream(counts).max().orElse(0);
        return max == 0 ? 0 : Math.max(count > 0 ? 4 : 0, count * 100 / max);
    }

    /** A typed time: {@code 2026-05-01T12:00} (UTC, as a datetime-local input sends it) or an ISO instant; blank is none. */
    public static @Nullable Instant parse(@Nullable String text) {
        if (text == null || text.isBlank()) return null;
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(text.strip()).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException(
                        "cannot read the time " + text.strip() + " (use 2026-05-01T12:00, UTC)");
            }
        }
    }
}
