package io.remit.store;

import io.remit.Printable;
import org.jspecify.annotations.Nullable;
import org.springframework.lang.Contract;

/**
 * Text as PostgreSQL always accepts it. A {@code text} or {@code jsonb} value refuses the NUL character
 * ({@code 22021}, {@code 22P05}), and a Java string with an unpaired surrogate reaches it as bytes that are not the
 * string: both are replaced by U+FFFD. Everything remit copies into a text column from a record or from the API's
 * answer passes through {@link #of}; the exact bytes are kept beside it where they matter ({@code bytea}, base64).
 */
public final class StorableText {
    static final char REPLACEMENT = '\uFFFD';

    private StorableText() {}

    /** The text with NUL and unpaired surrogates replaced by U+FFFD; the same instance when it needs no change. */
    @Contract("!null -> !null")
    public static @Nullable String of(@Nullable String text) {
        return Printable.mapped(text, c -> c == 0 ? REPLACEMENT : c);
    }

    /**
     * Printable ASCII only, at most {@code max} characters: every other character as {@code \\uXXXX}. What the
     * last-resort form of a refused record is written with, so that it cannot be refused for its bytes.
     */
    @Contract("!null, _ -> !null")
    public static @Nullable String ascii(@Nullable String text, int max) {
        if (text == null) return null;
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '\\') out.append(c);
            else out.append(String.format("\\u%04x", (int) c));
        }
        return out.length() <= max ? out.toString() : out.substring(0, max);
    }
}
