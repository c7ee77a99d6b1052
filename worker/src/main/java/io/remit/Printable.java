package io.remit;

import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.lang.Contract;

/**
 * Text from outside (a record, the API's answer) as a log line, a Kafka header and a stored row may carry it:
 * control characters (NUL, line breaks, terminal escape sequences) become spaces and unpaired surrogates U+FFFD,
 * so that a producer or an API cannot forge log lines, break a header's text or have a row refused. {@link #mapped} is
 * the one pass over a text's UTF-16 units that this and the other cleanings of outside text are made of.
 */
public final class Printable {
    private static final char REPLACEMENT = '\uFFFD';

    private Printable() {}

    /** The text with control characters as spaces and unpaired surrogates as U+FFFD; null stays null. */
    @Contract("!null -> !null")
    public static @Nullable String of(@Nullable String text) {
        return mapped(text, c -> Character.isISOControl(c) ? ' ' : c);
    }

    /** The text cut to {@code max} UTF-16 units, never between the two of a surrogate pair, with "…" when cut. */
    @Contract("!null, _ -> !null")
    public static @Nullable String truncated(@Nullable String text, int max) {
        if (text == null || text.length() <= max) return text;
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "…";
    }

    /** Whether the text holds half a surrogate pair (JSON may escape one, {@code "\ud800"}): it has no UTF-8 form. */
    public static boolean hasUnpairedSurrogate(String text) {
        return mapped(text, c -> c) != text;
    }

    /**
     * The text with every unpaired surrogate as U+FFFD, every surrogate pair kept, and every other unit {@code c} as
     * {@code each.applyAsInt(c)}; the same instance when nothing changes, null for null.
     */
    @Contract("!null, _ -> !null")
    public static @Nullable String mapped(@Nullable String text, IntUnaryOperator each) {
        if (text == null) return null;
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (out != null) out.append(c).append(text.charAt(i + 1));
                i++;
                continue;
            }
            char replaced = Character.isSurrogate(c) ? REPLACEMENT : (char) each.applyAsInt(c);
            if (replaced != c && out == null) out = new StringBuilder(text.length()).append(text, 0, i);
            if (out != null) out.append(replaced);
        }
        return out == null ? text : out.toString();
    }
}
