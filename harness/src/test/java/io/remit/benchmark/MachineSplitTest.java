package io.remit.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who a thread of the benchmark's JVM works for, by its name, and what the split says of a spent second. */
class MachineSplitTest {
    @Test
    void theBrokersThreadsAreTheBrokers() {
        for (String name : new String[] {
            "data-plane-kafka-request-handler-N",
            "data-plane-kafka-network-thread-N-EXTERNAL-PLAINTEXT-N",
            "group-coordinator-event-processor-N",
            "TxnMarkerSenderThread-N",
            "AddPartitionsToTxnSenderThread-N",
            "kafka-N-raft-io-thread",
            "quorum-controller-N-event-handler"
        }) assertThat(MachineSplit.owner(name)).as(name).isEqualTo("broker");
    }

    @Test
    void theSandboxServesOnTheJdksHttpServerAndVirtualThreads() {
        assertThat(MachineSplit.owner("HTTP-Dispatcher")).isEqualTo("sandbox");
        assertThat(MachineSplit.owner("ForkJoinPool-N-worker-N")).isEqualTo("sandbox");
    }

    @Test
    void theHarnesssOwnClientsAndEverythingElseAreTheHarnesss() {
        assertThat(MachineSplit.owner("kafka-producer-network-thread | producer-N"))
                .isEqualTo("harness");
        assertThat(MachineSplit.owner("kafka-admin-client-thread | adminclient-N"))
                .isEqualTo("harness");
        assertThat(MachineSplit.owner("io.remit.benchmark.Benchmark.main()")).isEqualTo("harness");
    }

    @Test
    void aLineNamesEachShareInItsOrder() {
        assertThat(MachineSplit.line(new java.util.LinkedHashMap<>(Map.of("worker", 1.304))))
                .isEqualTo("worker 1.30");
    }
}
