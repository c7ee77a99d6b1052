package io.remit.webhook;

import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a webhook says happened to a command after the API accepted it, in order of precedence: a command's settlement
 * only moves up, so webhooks that arrive out of order never move it back (a settled payment never becomes approved).
 * {@link #SETTLED} and {@link #FAILED} are both final: whichever arrives first stays.
 */
public enum Settlement {
    /** {@code invoice.approved}: the invoice may now be paid. */
    APPROVED(1),
    /** {@code invoice.settled}, {@code payment.settled}: the money moved. */
    SETTLED(2),
    /** {@code payment.failed}: the payment will not move money. */
    FAILED(2);

    /** The event types remit understands, by the settlement each reports. Others are kept and counted, not applied. */
    private static final Map<String, Settlement> BY_TYPE = Map.of(
            "invoice.approved", APPROVED,
            "invoice.settled", SETTLED,
            "payment.settled", SETTLED,
            "payment.failed", FAILED);

    private final int rank;

    Settlement(int rank) {
        this.rank = rank;
    }

    public static Optional<Settlement> ofType(String eventType) {
        return Optional.ofNullable(BY_TYPE.get(eventType));
    }

    /** Whether an event type is one remit understands: the metric's {@code type} label is bounded to these. */
    public static boolean known(String eventType) {
        return BY_TYPE.containsKey(eventType);
    }

    /** The event types remit understands. */
    public static java.util.Set<String> knownTypes() {
        return BY_TYPE.keySet();
    }

    /** Whether this settlement replaces {@code current} (null: none yet). */
    public boolean supersedes(@Nullable String current) {
        if (current == null) return true;
        try {
            return rank > valueOf(current).rank;
        } catch (IllegalArgumentException unknown) {
            return false;
        }
    }
}
