package io.remit.console.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.support.SqlArrayValue;

class DeadLetterFilterTest {
    private static final Instant FROM = Instant.parse("2026-05-01T12:00:00Z");
    private static final Instant TO = Instant.parse("2026-05-02T12:00:00Z");

    @Test
    void cleansItsListsAndReadsAsTypedConditions() {
        DeadLetterFilter filter = new DeadLetterFilter(
                Arrays.asList(" CONNECTION_NOT_FOUND ", "", null, "CONNECTION_NOT_FOUND"), null, FROM, null, List.of());

        assertThat(filter.conditions())
                .containsExactly(
                        new DeadLetterCondition.CodeIn(List.of("CONNECTION_NOT_FOUND")),
                        new DeadLetterCondition.DeadLetteredFrom(FROM));
        assertThat(DeadLetterFilter.all().conditions()).isEmpty();
        assertThat(DeadLetterFilter.all().selectsEverything()).isTrue();
    }

    @Test
    void refusesAnEmptyOrBackwardTimeRange() {
        assertThatThrownBy(() -> new DeadLetterFilter(null, null, TO, FROM, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("from must be before to");
        assertThatThrownBy(() -> new DeadLetterFilter(null, null, FROM, FROM, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyConditionBecomesOneSqlConditionWithItsParameter() {
        List<Object> params = new ArrayList<>(List.of("before"));
        String where = DeadLetterReader.where(
                new DeadLetterFilter(List.of("A"), List.of("invoice.create"), FROM, TO, List.of("r1", "r2")), params);

        assertThat(where)
                .isEqualTo("true and d.error_code = any(?) and d.command_type = any(?) and d.request_id = any(?)"
                        + " and d.dead_lettered_at >= ? and d.dead_lettered_at < ?");
        assertThat(params).hasSize(6).first().isEqualTo("before");
        assertThat(params.subList(1, 4)).allMatch(SqlArrayValue.class::isInstance);
        assertThat(params.subList(4, 6)).containsExactly(Timestamp.from(FROM), Timestamp.from(TO));
    }

    @Test
    void aFilterOfEverythingIsTrue() {
        List<Object> params = new ArrayList<>();
        assertThat(DeadLetterReader.where(DeadLetterFilter.all(), params)).isEqualTo("true");
        assertThat(params).isEmpty();
    }
}
