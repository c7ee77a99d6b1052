package io.remit.console.redrive;

import io.remit.HeaderText;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * The headers a redriven command carries, written and read here: {@code remit.redrive.id} (the
 * redrive), {@code remit.redrive.dead-letter} (the dead letter it comes from) and {@code remit.redrive.nonce} (its
 * chunk's secret, kept in PostgreSQL: only records that carry it are the chunk's own). remit's other
 * headers of the dead letter ({@code remit.error.*}, {@code remit.attempt} …) are not carried: a
 * redriven command starts afresh. Foreign headers are carried unchanged.
 */
public final class RedriveHeaders {
    /** The redrive that published this record. */
    public static final String REDRIVE_ID = "remit.redrive.id";
    /** The {@code dead_letter.id} this record was published from. */
    public static final String DEAD_LETTER = "remit.redrive.dead-letter";
    /** The secret of the chunk that published this record. */
    static final String NONCE = "remit.redrive.nonce";
    /** remit's own headers start with this; they are not carried into a redriven command. */
    static final String REMIT_PREFIX = "remit.";

    private RedriveHeaders() {}

    static boolean isCarried(String key) {
        return !key.startsWith(REMIT_PREFIX);
    }

    static void write(Headers headers, UUID redrive, long deadLetter, String nonce) {
        headers.add(REDRIVE_ID, redrive.toString().getBytes(StandardCharsets.UTF_8));
        headers.add(DEAD_LETTER, Long.toString(deadLetter).getBytes(StandardCharsets.UTF_8));
        headers.add(NONCE, nonce.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The dead letter this record was published from by {@code redrive} in the chunk of {@code nonce} (null: any chunk
     * of it), or -1 when it is not such a record: a record with the redrive's id but another nonce was not written by it.
     */
    static long deadLetterOf(Headers headers, UUID redrive, @Nullable String nonce) {
        if (!redrive.toString().equals(HeaderText.last(headers, REDRIVE_ID))) return -1;
        if (nonce != null && !nonce.equals(HeaderText.last(headers, NONCE))) return -1;
        try {
            return Long.parseLong(String.valueOf(HeaderText.last(headers, DEAD_LETTER)));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
