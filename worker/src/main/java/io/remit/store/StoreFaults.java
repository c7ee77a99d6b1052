package io.remit.store;

import io.remit.Causes;
import java.sql.SQLException;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;

/**
 * Why PostgreSQL refused a write, as the engine must act on it. Only a fault of what is written (SQLSTATE class
 * {@code 22} data exception: a NUL, bytes that are not text, a value out of range; {@code 23} integrity; {@code 54} a
 * limit such as an index row too large) or a value remit cannot serialise is the record's: such a write is narrowed to
 * the record PostgreSQL refuses on its own. Everything else is the database's (no connection, a failover, a read-only
 * standby, a lock or a timeout, a missing table or right): tried again without limit, however long it lasts, never a
 * reason to refuse a record.
 */
public final class StoreFaults {
    /** SQLSTATE classes that are the fault of the values written. */
    private static final Set<String> RECORD_CLASSES = Set.of("22", "23", "54");

    private StoreFaults() {}

    /** Whether {@code e} is a fault of the values written, not of the database. */
    public static boolean isRecordFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sqlState(sql);
                return state != null && state.length() >= 2 && RECORD_CLASSES.contains(state.substring(0, 2));
            }
            if (t instanceof JacksonException) return true;
        }
        return false;
    }

    /**
     * PostgreSQL's own words for a refusal, without the statement or the row it quotes: the message of the statement that
     * failed (a batch chains it) and its SQLSTATE. Falls back to the exception's message chain.
     */
    public static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                SQLException first = sql.getNextException() != null ? sql.getNextException() : sql;
                String message = first.getMessage() == null
                        ? ""
                        : first.getMessage().lines().findFirst().orElse("");
                return message + (first.getSQLState() == null ? "" : " (SQLSTATE " + first.getSQLState() + ")");
            }
        }
        return Causes.chain(e);
    }

    /** The first SQLSTATE of the exception or of the exceptions chained to it (a batch reports its failed statement there). */
    private static @Nullable String sqlState(SQLException e) {
        int depth = 0;
        for (SQLException s = e; s != null && depth < 10; s = s.getNextException(), depth++) {
            if (s.getSQLState() != null) return s.getSQLState();
        }
        return null;
    }
}
