package io.remit.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** A connection to a node that is no longer the primary is dropped from the pool; other failures are Hikari's to judge. */
class ReadOnlyConnectionsTest {
    private final ReadOnlyConnections override = new ReadOnlyConnections();

    @Test
    void evictsAConnectionThatAnswersReadOnlyTransaction() {
        assertThat(override.adjudicate(new SQLException("cannot execute INSERT in a read-only transaction", "25006")))
                .isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
        SQLException batch = new BatchUpdateException("batch", null, 0, new int[0], null);
        batch.setNextException(new SQLException("read-only", "25006"));
        assertThat(override.adjudicate(batch)).isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
    }

    @Test
    void leavesEveryOtherFailureToHikari() {
        assertThat(override.adjudicate(new SQLException("unsupported Unicode escape sequence", "22P05")))
                .isEqualTo(SQLExceptionOverride.Override.CONTINUE_EVICT);
        assertThat(override.adjudicate(new SQLException("terminating connection", "57P01")))
                .isEqualTo(SQLExceptionOverride.Override.CONTINUE_EVICT);
    }
}
