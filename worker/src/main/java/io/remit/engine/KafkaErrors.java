package io.remit.engine;

import io.remit.Causes;
import java.util.List;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * What a failed Kafka transaction says of the records in it, as {@link Commits} must act on it. The exception and its
 * causes decide; a record's own fault wins over Kafka's own trouble in the same chain.
 */
final class KafkaErrors {

    /** What happens to a transaction that failed so. */
    enum Action {
        /** It may have been committed (it kept timing out): its partitions are read again from the committed offsets. */
        REWIND,
        /**
         * Kafka's own trouble, not the records' (retriable, the group's, the producer's state, a right missing): aborted
         * and tried again with backoff, however often it repeats; it never narrows a transaction nor refuses a record.
         * A producer that cannot abort (fenced) is rewound instead.
         */
        RETRY,
        /** Unexplained: aborted and tried again; once it repeats, a transaction of several is narrowed, a record alone refused. */
        NARROW,
        /** The record's own fault (too large, invalid, unserialisable): narrowed at once; a record alone is refused at once. */
        REFUSE
    }

    /**
     * Errors that say nothing of the record: retriable, the group's, the producer's state, a right missing. Found in
     * CI's chaos run: after a broker restart the coordinator did not know the consumer ({@link CommitFailedException})
     * for a few seconds, and a valid command was refused for it.
     */
    private static final List<Class<? extends Throwable>> KAFKAS = List.of(
            RetriableException.class,
            CommitFailedException.class,
            RebalanceInProgressException.class,
            UnknownMemberIdException.class,
            IllegalGenerationException.class,
            FencedInstanceIdException.class,
            ProducerFencedException.class,
            InvalidProducerEpochException.class,
            OutOfOrderSequenceException.class,
            UnknownProducerIdException.class,
            InvalidPidMappingException.class,
            InvalidTxnStateException.class,
            TransactionAbortableException.class,
            AuthorizationException.class,
            AuthenticationException.class,
            UnsupportedVersionException.class);

    /** Errors a record causes on its own. (Not {@code CorruptRecordException}: Kafka calls it retriable, a network or disk fault.) */
    private static final List<Class<? extends Throwable>> RECORD_FAULTS = List.of(
            RecordTooLargeException.class,
            RecordBatchTooLargeException.class,
            InvalidRecordException.class,
            SerializationException.class);

    private KafkaErrors() {}

    static Action classify(Throwable e) {
        if (e instanceof UncertainCommit) return Action.REWIND;
        if (Causes.anyOf(e, RECORD_FAULTS)) return Action.REFUSE;
        if (Causes.anyOf(e, KAFKAS)) return Action.RETRY;
        return Action.NARROW;
    }

    /** Whether Kafka's own error is anywhere in the chain (even beside a record's fault): it says nothing of the records. */
    static boolean isKafkas(Throwable e) {
        return Causes.anyOf(e, KAFKAS);
    }

    /** A commit that kept timing out: it may have happened or not. */
    static final class UncertainCommit extends KafkaException {
        UncertainCommit(int timeouts, Throwable cause) {
            super("commit outcome unknown after " + timeouts + " timeouts", cause);
        }
    }
}
