package io.remit.benchmark;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What PostgreSQL spent on each statement during a drain, from {@code pg_stat_statements} ({@code --statements true}
 * preloads it into the embedded PostgreSQL): per 1,000 commands, each statement's calls, execution time, rows and WAL,
 * the costliest first. Execution time is not CPU time, but on this CPU-bound machine it is close to it.
 */
final class Statements {
    private final JdbcTemplate jdbc;
    private final boolean on;

    Statements(JdbcTemplate jdbc, boolean on) {
        this.jdbc = jdbc;
        this.on = on;
        if (on) jdbc.execute("create extension if not exists pg_stat_statements");
    }

    /** Forgets what was counted so far: the drain's steady window starts. */
    void reset() {
        if (on) jdbc.queryForList("select pg_stat_statements_reset()");
    }

    /** Prints the costliest statements since the last reset, per 1,000 of {@code commands}. */
    void print(String who, long commands) {
        if (!on) return;
        double k = Math.max(1, commands / 1000.0);
        System.out.printf(
                "%n%s: PostgreSQL's statements per 1k commands (steady window; ms of execution, calls, rows, kB of WAL)%n",
                who);
        jdbc.query(
                """
                select total_exec_time, calls, rows, wal_bytes, regexp_replace(query, '\\s+', ' ', 'g') as query
                from pg_stat_statements
                where query not like '%pg_stat_statements%'
                order by total_exec_time desc limit 12""",
                row -> {
                    String query = row.getString("query");
                    System.out.printf(
                            "  %8.1f ms %7.0f calls %8.0f rows %7.1f kB  %s%n",
                            row.getDouble("total_exec_time") / k,
                            row.getLong("calls") / k,
                            row.getLong("rows") / k,
                            row.getDouble("wal_bytes") / 1024 / k,
                            query.length() > 110 ? query.substring(0, 110) + "…" : query);
                });
    }
}
