package io.remit.routing;

import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * How many failures of a command each code with a ladder of its own has answered so far: each such code uses
 * up its own ladder and no other. Travels on retry records as {@code remit.code-retries:
 * INSUFFICIENT_BALANCE=2}; a malformed part of the header is ignored, and at most {@value #MAX_CODES} codes
 * are read (the header may have been written by anyone).
 */
public record CodeRetries(Map<String, Integer> counts) {
    public static final CodeRetries NONE = new CodeRetries(Map.of());
    static final int MAX_CODES = 16;

    public CodeRetries {
        counts = Map.copyOf(counts);
    }

    public int of(String code) {
        return counts.getOrDefault(code, 0);
    }

    /** Failures spent on codes' own ladders: they do not use up the default ladder. */
    public int total() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    public CodeRetries plusOne(String code) {
        Map<String, Integer> next = new TreeMap<>(counts);
        next.merge(code, 1, Integer::sum);
        return new CodeRetries(next);
    }

    /** The header's value; null when there is nothing to say. */
    public @Nullable String header() {
        if (counts.isEmpty()) return null;
        StringBuilder text = new StringBuilder();
        new TreeMap<>(counts)
                .forEach((code, count) -> text.append(text.isEmpty() ? "" : ",")
                        .append(code)
                        .append('=')
                        .append(count));
        return text.toString();
    }

    public static CodeRetries parse(@Nullable String header) {
        if (header == null || header.isBlank()) return NONE;
        Map<String, Integer> counts = new TreeMap<>();
        for (String part : header.split(",", MAX_CODES + 1)) {
            if (counts.size() == MAX_CODES) break;
            int eq = part.indexOf('=');
            if (eq < 1) continue;
            String code = part.substring(0, eq).trim();
            try {
                int count = Integer.parseInt(part.substring(eq + 1).trim());
                if (count > 0 && code.matches("[A-Za-z0-9_.-]{1,100}")) counts.put(code, count);
            } catch (NumberFormatException e) {
                // ignored: the part is not remit's
            }
        }
        return new CodeRetries(counts);
    }
}
