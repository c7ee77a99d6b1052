package io.remit;

/**
 * Text from outside (a record, the API's answer) as a log line, a Kafka header and a stored row may carry it:
 * control characters (NUL, line breaks, terminal escape sequences) become spaces and unpaired surrogates U+FFFD,
 * so that a producer or an API cannot forge log lines, break a header's text or have a row refused.
 */
public final class Printable {
    private Printable() {}

    /** The text with control characters as spaces and unpaired surrogates as U+FFFD; null stays null. */
    public static String of(String text) {
        if (text == null) return null;
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char replaced = c;
            if (Character.isISOControl(c)) {
                replaced = ' ';
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (out != null) out.append(c).append(text.charAt(i + 1));
                i++;
                continue;
            } else if (Character.isSurrogate(c)) {
                replaced = '\uFFFD';
            }
            if (replaced != c && out == null) out = new StringBuilder(text.length()).append(text, 0, i);
            if (out != null) out.append(replaced);
        }
        return out == null ? text : out.toString();
    }
}
