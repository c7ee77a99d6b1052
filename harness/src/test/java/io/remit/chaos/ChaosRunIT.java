package io.remit.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The chaos run at CI size, 10,000 commands each, three ways that between them make every {@link Fault} once a CI run:
 * on one broker with kills and a broker and a PostgreSQL restart (classic protocol); on a three-node cluster with the
 * leader and the coordinator killed, a frozen worker and a rolling restart (group.protocol=consumer); and with every
 * network falling silent and PostgreSQL failing over to its standby (classic).
 */
class ChaosRunIT {
    @Test
    void noCommandIsLostOrAppliedTwiceAndNoDeadLetterIsWrittenTwiceWhateverCrashes() throws Exception {
        assertNoViolation(
                ChaosRun.Options.of(10_000, Duration.ofSeconds(40), Fault.DEFAULT, 1, "classic", Duration.ZERO));
    }

    @Test
    void aClusterLosingLeadersAndCoordinatorsWithFrozenAndRestartedWorkersOnTheNewGroupProtocol() throws Exception {
        assertNoViolation(ChaosRun.Options.of(
                10_000,
                Duration.ofSeconds(40),
                "kill,leader,coordinator,freeze,rolling",
                3,
                "consumer",
                Duration.ZERO));
    }

    @Test
    void silentNetworksAndADatabaseFailover() throws Exception {
        assertNoViolation(ChaosRun.Options.of(
                10_000, Duration.ofSeconds(40), "blackhole,pg-failover", 1, "classic", Duration.ofSeconds(20)));
    }

    private static void assertNoViolation(ChaosRun.Options options) throws Exception {
        ChaosRun.Report report = ChaosRun.run(options);
        System.out.println(report.table());
        assertThat(report.violations()).as(report.table()).isZero();
    }
}
