package io.remit.local;

import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Prints, every few seconds, how many commands succeeded, are retrying, or were dead-lettered and why, and how many
 * webhooks arrived and which settlements they set.
 */
final class Summary implements Runnable {
    private final JdbcTemplate jdbc;
    private volatile boolean running = true;

    Summary(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void run() {
        while (running) {
            try {
                Thread.sleep(5_000);
                print();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                System.out.println("summary unavailable: " + e.getMessage());
            }
        }
    }

    private void print() {
        Map<String, Long> byStatus = new java.util.TreeMap<>();
        jdbc.query("select status, count(*) from command_outcome group by status", (java.sql.ResultSet row) -> {
            byStatus.put(row.getString(1), row.getLong(2));
        });
        List<Map<String, Object>> deadByCode = jdbc.queryForList("""
                select error_code, count(*) as n from command_outcome where status = 'DEAD_LETTERED'
                group by error_code order by n desc""");
        StringBuilder line = new StringBuilder(String.format(
                "succeeded %d | retrying %d | dead-lettered %d",
                byStatus.getOrDefault("SUCCEEDED", 0L),
                byStatus.getOrDefault("RETRYING", 0L),
                byStatus.getOrDefault("DEAD_LETTERED", 0L)));
        if (!deadByCode.isEmpty()) {
            line.append(" (");
            deadByCode.forEach(r -> line.append(r.get("error_code"))
                    .append(' ')
                    .append(r.get("n"))
                    .append(", "));
            line.setLength(line.length() - 2);
            line.append(')');
        }
        Map<String, Long> bySettlement = new java.util.TreeMap<>();
        jdbc.query(
                "select settlement, count(*) from command_outcome where settlement is not null group by settlement",
                (java.sql.ResultSet row) -> {
                    bySettlement.put(row.getString(1), row.getLong(2));
                });
        Long webhooks = jdbc.queryForObject("select count(*) from webhook_event", Long.class);
        line.append(String.format(
                " || webhooks %d: settled %d, failed %d, approved %d",
                webhooks,
                bySettlement.getOrDefault("SETTLED", 0L),
                bySettlement.getOrDefault("FAILED", 0L),
                bySettlement.getOrDefault("APPROVED", 0L)));
        System.out.println(line);
    }

    void stop() {
        running = false;
    }
}
