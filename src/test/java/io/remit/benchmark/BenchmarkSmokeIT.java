package io.remit.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.remit.testing.Infrastructure;

/**
 * The benchmark at CI size, to prove it runs end to end: remit, the reference worker and the
 * ceiling, with remit's correctness checked (one final outcome per command, one sandbox effect
 * per success). Speed is not asserted here; docs/benchmarks.md has the full-size figures.
 */
class BenchmarkSmokeIT {
    @Test
    void runsEveryWorkerAndRemitKeepsItsGuarantees() throws Exception {
        Benchmark.Options options = Benchmark.Options.parse("--commands", "3000", "--latencies", "10", "--reference-seconds", "10",
                "--paced-seconds", "3", "--backlogs", "none");
        try (Infrastructure infra = Infrastructure.start()) {
            assertThat(new Benchmark(options, infra).run()).isEmpty();
        }
    }
}
