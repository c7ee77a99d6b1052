package io.remit.store;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;

/**
 * A pooled connection that answers {@code 25006} (read-only transaction) is to a node that is no longer the primary:
 * after a failover that left the old primary up as a standby, a kept connection would refuse every write for ever.
 * Such a connection is evicted from the pool, so that the next one is made afresh and the URL's
 * {@code targetServerType=primary} finds the new primary. Set as {@code spring.datasource.hikari.exception-override-class-name}.
 */
public final class ReadOnlyConnections implements SQLExceptionOverride {
    private static final String READ_ONLY_SQL_TRANSACTION = "25006";

    @java.lang.Override // SQLExceptionOverride has a nested type of that name
    public SQLExceptionOverride.Override adjudicate(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (READ_ONLY_SQL_TRANSACTION.equals(s.getSQLState())) return SQLExceptionOverride.Override.MUST_EVICT;
        }
        return SQLExceptionOverride.Override.CONTINUE_EVICT;
    }
}
