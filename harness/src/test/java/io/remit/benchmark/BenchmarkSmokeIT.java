package io.remit.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.testing.Infrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The benchmark at CI size, to prove it runs end to end: after an unmeasured remit drain that warms
 * this JVM's broker and sandbox (1,000 commands; the later runs share them, warm), remit, the Parallel Consumer peer in both
 * modes (transactional, at-least-once), the reference worker and the ceiling, with remit's
 * correctness checked (one final outcome per command and one outcome event, one sandbox effect per
 * success; a peer's findings are printed, and a peer that starts nothing or finishes nothing
 * fails the run); then the slow-tail scenario (uniform latency, then a share of slow calls that
 * answer normally); then the uniform scenario with a warm-up and two variants of the packaged jar,
 * one with a JVM option (creates at one latency, the worker's CPU by thread group, the ceiling); then remit's latency
 * curve, two steps of 3 s, and its chart. Speed is not asserted here; docs/benchmarks.md has the full-size figures.
 */
class BenchmarkSmokeIT {
    @Test
    void runsEveryWorkerAndRemitKeepsItsGuarantees() throws Exception {
        Benchmark.Options options = Benchmark.Options.parse(
                "--paced-warmup-seconds",
                "2",
                "--commands",
                "3000",
                "--latencies",
                "10",
                "--reference-seconds",
                "10",
                "--paced-seconds",
                "3",
                "--backlogs",
                "none",
                "--harness-warmup",
                "1000");
        Benchmark.Options tail = Benchmark.Options.parse(
                "--scenario",
                "tail",
                "--commands",
                "600",
                "--partitions",
                "3",
                "--latencies",
                "10",
                "--tail-ms",
                "1000",
                "--tail-share",
                "0.02",
                "--paced-rate",
                "100",
                "--paced-seconds",
                "2");
        Benchmark.Options uniform = Benchmark.Options.parse(
                "--scenario",
                "uniform",
                "--commands",
                "300",
                "--warmup",
                "100",
                "--partitions",
                "3",
                "--latencies",
                "10",
                "--variants",
                "shipped@-;c1@-@-XX:TieredStopAtLevel=1",
                "--harness-warmup",
                "0"); // the first run warmed this JVM's broker and sandbox
        Path chart = Files.createTempFile("latency-curve-", ".svg");
        Benchmark.Options curve = Benchmark.Options.parse(
                "--scenario",
                "uniform",
                "--workers",
                "remit",
                "--commands",
                "300",
                "--partitions",
                "3",
                "--latencies",
                "10",
                "--curve",
                "50,100",
                "--curve-seconds",
                "3",
                "--paced-warmup-seconds",
                "2",
                "--curve-svg",
                chart.toString(),
                "--harness-warmup",
                "0");
        Benchmark.Options brokenPeer = Benchmark.Options.parse(
                "--workers",
                "pc-tx",
                "--commands",
                "50",
                "--latencies",
                "10",
                "--paced-seconds",
                "1",
                "--backlogs",
                "none",
                "--harness-warmup",
                "0");
        try (Infrastructure infra = Infrastructure.start()) {
            assertThat(new Benchmark(options, infra).run()).isEmpty();
            assertThat(new Benchmark(tail, infra).run()).isEmpty();
            assertThat(new Benchmark(uniform, infra).run()).isEmpty();
            assertThat(new Benchmark(curve, infra).run()).isEmpty();
            assertThat(Files.readString(chart)).contains("<title>remit p50</title>", "<title>remit p99</title>");
            // a peer that cannot start fails the run (what it gets wrong once running is only reported)
            String peerJar = System.getProperty("remit.peer.jar");
            System.setProperty("remit.peer.jar", "/nonexistent/remit-peer.jar");
            try {
                assertThat(new Benchmark(brokenPeer, infra).run())
                        .singleElement()
                        .asString()
                        .startsWith("PC transactional failed");
            } finally {
                if (peerJar == null) System.clearProperty("remit.peer.jar");
                else System.setProperty("remit.peer.jar", peerJar);
            }
        }
    }
}
