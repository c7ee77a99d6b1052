package io.remit.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.store.DeadLetterRetention;
import io.remit.testing.Commands;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Dead letters older than remit.dead-letters.retention (30 days by default) are deleted from PostgreSQL; the audit of redrives stays. */
class DeadLetterRetentionIT extends ConsoleTestSupport {

    @Autowired
    DeadLetterRetention retention;

    @Test
    void deletesDeadLettersPastTheRetentionAndKeepsTheRest() throws Exception {
        String expired = id("expired"), kept = id("kept"), edge = id("edge");
        stored().row(expired, Commands.createInvoice(expired))
                .at(Instant.now().minus(Duration.ofDays(31)))
                .store();
        stored().row(edge, Commands.createInvoice(edge))
                .at(Instant.now().minus(Duration.ofDays(29)))
                .store();
        stored().row(kept, Commands.createInvoice(kept)).store();
        String dryRun = redrive("{\"filter\":{\"requestIds\":[\"" + expired + "\"]},\"dryRun\":true}")
                .get("id")
                .asString();

        assertThat(retention.deleteExpired()).isGreaterThanOrEqualTo(1);

        assertThat(countOf(expired)).isZero();
        assertThat(countOf(edge)).isEqualTo(1);
        assertThat(countOf(kept)).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from redrive where id = ?::uuid", Integer.class, dryRun))
                .isEqualTo(1);
        assertThat(get("/ops/dead-letters/" + expired, basic(VIEWER, VIEWER_PASSWORD))
                        .statusCode())
                .isEqualTo(404);
    }

    private int countOf(String requestId) {
        return jdbc.queryForObject("select count(*) from dead_letter where request_id = ?", Integer.class, requestId);
    }
}
