package io.remit.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;

/** Only what a record holds narrows a write; the database's own trouble never does. */
class StoreFaultsTest {

    @Test
    void dataIntegrityAndLimitsAreTheRecords() {
        for (String state : new String[] {"22P05", "22021", "22001", "23514", "23502", "54000"}) {
            SQLException batch = new BatchUpdateException("batch entry 3 failed", state, 0, new int[0], null);
            assertThat(StoreFaults.isRecordFault(new DataIntegrityViolationException("refused", batch)))
                    .as(state)
                    .isTrue();
        }
        assertThat(StoreFaults.isRecordFault(new tools.jackson.core.exc.StreamWriteException(null, "split surrogate")))
                .isTrue();
    }

    @Test
    void theDatabasesOwnTroubleIsNot() {
        // no connection, an admin shutdown, a read-only standby after failover, a timeout, a missing table, a lock
        for (String state :
                new String[] {"08006", "57P01", "25006", "57014", "42P01", "55P03", "40001", "53300", "XX000"}) {
            assertThat(StoreFaults.isRecordFault(
                            new UncategorizedSQLException("x", "sql", new SQLException("m", state))))
                    .as(state)
                    .isFalse();
        }
        assertThat(StoreFaults.isRecordFault(
                        new CannotGetJdbcConnectionException("pool", new SQLTransientConnectionException("timeout"))))
                .isFalse();
        assertThat(StoreFaults.isRecordFault(new IllegalStateException("bug"))).isFalse();
    }

    @Test
    void aBatchReportsItsStatementsStateInTheChainedException() {
        SQLException batch = new BatchUpdateException("batch", null, 0, new int[0], null);
        batch.setNextException(new SQLException("unsupported Unicode escape sequence", "22P05"));
        assertThat(StoreFaults.isRecordFault(new UncategorizedSQLException("x", "sql", batch)))
                .isTrue();
    }
}
