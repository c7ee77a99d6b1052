package io.remit;

import java.util.List;

/** An exception's message chain for a log line: what went wrong, not only which class said so. */
public final class Causes {
    private Causes() {}

    /** {@code "SimpleName: message <- SimpleName: message"} for each cause, at most 5 deep, at most 1,000 characters. */
    public static String chain(Throwable e) {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 5; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (depth > 0) text.append(" <- ");
            text.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) text.append(": ").append(t.getMessage());
        }
        return text.length() > 1_000 ? text.substring(0, 1_000) + "…" : text.toString();
    }

    /** Whether {@code e} or one of its causes is one of these types. */
    public static boolean anyOf(Throwable e, List<Class<? extends Throwable>> types) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : types) if (type.isInstance(t)) return true;
        }
        return false;
    }
}
