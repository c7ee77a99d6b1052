package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.engine.KafkaErrors.Action;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.ConcurrentTransactionsException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error the producer or the consumer can throw in a transaction, and what a commit does about it: only a record's
 * own fault refuses a record at once, only an unexplained error that repeats narrows, and Kafka's own trouble never
 * does, however often it repeats.
 */
class KafkaErrorsTest {

    static Stream<Arguments> errors() {
        return Stream.of(
                // a commit that kept timing out may have happened
                Arguments.of(new KafkaErrors.UncertainCommit(3, new TimeoutException("commit")), Action.REWIND),
                // the producer's state: a fenced producer cannot abort either, and is rewound by Commits
                Arguments.of(new ProducerFencedException("fenced"), Action.RETRY),
                Arguments.of(new InvalidProducerEpochException("epoch"), Action.RETRY),
                Arguments.of(new OutOfOrderSequenceException("sequence"), Action.RETRY),
                Arguments.of(new UnknownProducerIdException("unknown producer"), Action.RETRY),
                Arguments.of(new InvalidPidMappingException("pid"), Action.RETRY),
                Arguments.of(new InvalidTxnStateException("state"), Action.RETRY),
                Arguments.of(new TransactionAbortableException("abortable"), Action.RETRY),
                // the group's: this consumer no longer a member after a broker restart; its next poll rejoins
                Arguments.of(new CommitFailedException("not aware of this member"), Action.RETRY),
                Arguments.of(new RebalanceInProgressException("rebalancing"), Action.RETRY),
                Arguments.of(new UnknownMemberIdException("unknown member"), Action.RETRY),
                Arguments.of(new IllegalGenerationException("generation"), Action.RETRY),
                Arguments.of(new FencedInstanceIdException("instance"), Action.RETRY),
                // a right missing, or a broker too old: an operator's matter, never the record's
                Arguments.of(new TopicAuthorizationException("topic"), Action.RETRY),
                Arguments.of(new GroupAuthorizationException("group"), Action.RETRY),
                Arguments.of(new TransactionalIdAuthorizationException("txn"), Action.RETRY),
                Arguments.of(new ClusterAuthorizationException("cluster"), Action.RETRY),
                Arguments.of(new SaslAuthenticationException("sasl"), Action.RETRY),
                Arguments.of(new UnsupportedVersionException("version"), Action.RETRY),
                // retriable: a broker away, a coordinator moving
                Arguments.of(new TimeoutException("expired"), Action.RETRY),
                Arguments.of(new CoordinatorNotAvailableException("moving"), Action.RETRY),
                Arguments.of(new NotLeaderOrFollowerException("leader"), Action.RETRY),
                Arguments.of(new NotEnoughReplicasException("replicas"), Action.RETRY),
                Arguments.of(new NetworkException("network"), Action.RETRY),
                Arguments.of(new ConcurrentTransactionsException("concurrent"), Action.RETRY),
                Arguments.of(new CorruptRecordException("checksum: a network or disk fault"), Action.RETRY),
                // the record's own
                Arguments.of(new RecordTooLargeException("too large"), Action.REFUSE),
                Arguments.of(new RecordBatchTooLargeException("batch too large"), Action.REFUSE),
                Arguments.of(new InvalidRecordException("invalid"), Action.REFUSE),
                Arguments.of(new SerializationException("unserialisable"), Action.REFUSE),
                // found in a cause, as the producer reports an earlier send's failure
                Arguments.of(
                        new KafkaException("error state", new RecordTooLargeException("too large")), Action.REFUSE),
                Arguments.of(new KafkaException("wrapped", new CommitFailedException("gone")), Action.RETRY),
                Arguments.of(
                        new KafkaException("both", new TimeoutException("t", new RecordTooLargeException("large"))),
                        Action.REFUSE),
                // unexplained: tried again, narrowed once it repeats
                Arguments.of(new KafkaException("unknown broker error"), Action.NARROW),
                Arguments.of(new TransactionAbortedException("aborted"), Action.NARROW),
                Arguments.of(new InterruptException("interrupted"), Action.NARROW),
                Arguments.of(new InvalidTopicException("topic"), Action.NARROW),
                Arguments.of(new IllegalStateException("a bug"), Action.NARROW));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("errors")
    void eachErrorHasOneAction(Throwable error, Action expected) {
        assertThat(KafkaErrors.classify(error)).isEqualTo(expected);
        if (expected == Action.RETRY) assertThat(KafkaErrors.isKafkas(error)).isTrue();
        if (expected == Action.NARROW) assertThat(KafkaErrors.isKafkas(error)).isFalse();
    }

    /**
     * A rewind or a refusal may carry Kafka's own error in its chain: it is then not counted against the records (a
     * commit that timed out says nothing of them, nor does a timeout beside a record that is too large).
     */
    @Test
    void kafkasOwnErrorAnywhereInTheChainIsNotCountedAgainstTheRecords() {
        KafkaException both =
                new KafkaException("both", new TimeoutException("t", new RecordTooLargeException("large")));
        KafkaErrors.UncertainCommit uncertain = new KafkaErrors.UncertainCommit(3, new TimeoutException("commit"));

        assertThat(KafkaErrors.classify(both)).isEqualTo(Action.REFUSE);
        assertThat(KafkaErrors.isKafkas(both)).isTrue();
        assertThat(KafkaErrors.classify(uncertain)).isEqualTo(Action.REWIND);
        assertThat(KafkaErrors.isKafkas(uncertain)).isTrue();
        assertThat(KafkaErrors.isKafkas(new RecordTooLargeException("large"))).isFalse();
    }
}
