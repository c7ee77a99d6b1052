package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.api.OutageBreaker;
import io.remit.testing.Commands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;

/** While the API is down, intake pauses instead of pushing every command through the retry ladder to the dead-letter topic. */
class OutageBreakerIT extends WorkerTestSupport {
    @Autowired
    OutageBreaker breaker;

    @Autowired
    ApplicationAvailability availability;

    @Test
    void anOutageOpensTheBreakerPausesIntakeAndEverythingSucceedsAfter() {
        faults("{\"error503\":1.0}");
        List<String> first = send(25, "outage-first");
        await().atMost(Duration.ofSeconds(15)).until(() -> breaker.stateCode() == 1);
        assertThat(availability.getReadinessState())
                .as("the API is down, not remit")
                .isEqualTo(ReadinessState.ACCEPTING_TRAFFIC);

        // within the breaker's 3 s open: one flush for the forty, a second for intake to (not) call them
        List<String> during = send(40, "outage-during");
        await().pollDelay(Duration.ofMillis(1_000)).until(() -> true);
        assertThat(during)
                .as("no call while the breaker is open")
                .allMatch(id -> sandbox.ledger().calls(id) == 0);
        assertThat(first)
                .as("nothing is dead-lettered for the outage")
                .noneMatch(id -> "DEAD_LETTERED".equals(statusOf(id)));

        faults("{}");
        first.forEach(id -> awaitStatus(id, "SUCCEEDED"));
        during.forEach(id -> awaitStatus(id, "SUCCEEDED"));
        assertThat(breaker.stateCode()).isZero();
        assertThat(during)
                .as("each applied once, sent once")
                .allMatch(id ->
                        sandbox.ledger().calls(id) == 1 && sandbox.ledger().effects(id) == 1);
    }

    private static List<String> send(int count, String label) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = id(label);
            kafka.producer()
                    .send(new ProducerRecord<>(
                            COMMANDS,
                            id.getBytes(StandardCharsets.UTF_8),
                            Commands.createInvoice("INV-" + id.substring(id.length() - 8))
                                    .getBytes(StandardCharsets.UTF_8)));
            ids.add(id);
        }
        kafka.producer().flush();
        return ids;
    }
}
