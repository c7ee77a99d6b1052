package io.remit.shipped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remit.sandbox.Faults;
import io.remit.sandbox.FaultsJson;
import io.remit.sandbox.Ledger;
import io.remit.sandbox.SandboxOptions;
import io.remit.testing.Commands;
import io.remit.testing.Infrastructure;
import io.remit.testing.JavaProcess;
import io.remit.testing.KafkaProbe;
import io.remit.testing.Ports;
import io.remit.testing.Shipped;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * SIGTERM to the packaged jar while it is busy: 2,000 invoice creations and 50 invalid commands against an API that
 * answers in 150 ms, stopped once a few hundred are final. The jar must exit (143 or 0) within the worst-case stop the
 * chart computes for its settings ({@code remit.stopBudget}), with "remit stopped", no ERROR and no secret in its log,
 * having let its calls in flight finish and stored them, and having committed exactly what it finished (each record
 * its commit passes is final, with its dead letter and outcome event; none past it has either). A second jar in the
 * same group then finishes the rest, and every command has taken effect exactly once: one SUCCEEDED row, one API
 * call and one effect per valid command; one DEAD_LETTERED row, no call, one dead letter on the dead-letter topic
 * (read_committed), one dead_letter row and one "dead-lettered" log line per invalid one; one outcome event each;
 * nothing lost.
 */
class ShutdownUnderLoadIT {
    private static final int COMMANDS = 2_050;
    private static final int INVALID_EVERY = 41; // 50 of 2,050
    private static final int PARTITIONS = 4;
    private static final int CONSUMERS = 2;
    private static final int SHUTDOWN_TIMEOUT_SECONDS = 5;
    private static final int LATENCY_MS = 150;
    /** API calls in flight per instance: 32 at 150 ms is about 210 commands/s, so a stop lands mid-load. */
    private static final int MAX_IN_FLIGHT = 32;

    private static final int FINAL_BEFORE_SIGTERM = 300;
    private static final int LEFT_AT_LEAST = 500;
    private static final List<String> FINAL = List.of("SUCCEEDED", "DEAD_LETTERED");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern DEAD_LETTER_LINE = Pattern.compile(" WARN .* dead-lettered (\\S+) \\(");

    private final Infrastructure infra = Infrastructure.get();
    private final String name = "shutdown-" + Long.toString(System.currentTimeMillis(), 36);
    private final String commandsTopic = name + ".commands";
    private final String deadLetterTopic = name + ".commands.dlq";
    private final String outcomesTopic = name + ".outcomes";
    private final JdbcTemplate jdbc =
            new JdbcTemplate(new DriverManagerDataSource(infra.jdbcUrl, infra.dbUser, infra.dbPassword));

    /** One command sent: its key (the requestId), whether it is valid, and where it landed. */
    private record Sent(String key, boolean valid, TopicPartition partition, long offset) {}

    /**
     * The chart's {@code remit.stopBudget} for these settings: engine = shutdown-timeout + 10 s + 5 s per consumer; the
     * web server's phase, which the chart renders as timeout-per-shutdown-phase = engine; then 5 s for the JVM to exit.
     */
    private record StopBudget(int shutdownSeconds, int consumers) {
        int engine() {
            return shutdownSeconds + 10 + 5 * consumers;
        }

        int phase() {
            return engine();
        }

        Duration worst() {
            return Duration.ofSeconds(engine() + phase() + 5);
        }
    }

    @AfterEach
    void calm() {
        infra.sandbox.setFaults(Faults.NONE);
    }

    @Test
    void sigtermUnderLoadStopsWithinTheChartsBudgetAndTheNextInstanceFinishesEverythingExactlyOnce() throws Exception {
        StopBudget budget = new StopBudget(SHUTDOWN_TIMEOUT_SECONDS, CONSUMERS);
        Ledger ledger = infra.sandbox.ledger();
        infra.sandbox.setFaults(
                FaultsJson.merge(Faults.NONE, "{\"latency\":\"fixed\",\"latencyMs\":" + LATENCY_MS + "}"));

        long t0 = System.nanoTime();
        ShippedWorkerCheck firstCheck = new ShippedWorkerCheck(infra, name, Ports.free());
        JavaProcess first = worker(firstCheck, "a", budget);
        JavaProcess second = null;
        try {
            first.start();
            firstCheck.awaitReady(first);
            long firstReady = System.nanoTime();
            Map<String, Sent> sent = send();
            List<String> valid =
                    sent.values().stream().filter(Sent::valid).map(Sent::key).toList();

            try {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> finalCount() >= FINAL_BEFORE_SIGTERM);
            } catch (RuntimeException e) {
                throw new AssertionError("the first jar did not get going; its log:\n" + log(first), e);
            }
            long calledBefore = valid.stream().filter(k -> ledger.calls(k) > 0).count();
            Map<String, String[]> rowsBefore = outcomeRows();
            long finalBefore = rowsBefore.values().stream()
                    .filter(r -> FINAL.contains(r[0]))
                    .count();
            long succeededBefore = rowsBefore.values().stream()
                    .filter(r -> r[0].equals("SUCCEEDED"))
                    .count();

            long sigterm = System.nanoTime();
            boolean stopped = first.stop(budget.worst());
            Duration took = Duration.ofNanos(System.nanoTime() - sigterm);
            System.out.printf(
                    "ShutdownUnderLoadIT: SIGTERM with %d of %d final, %d API calls made (~%d in flight); stopped in %d ms"
                            + " (budget %d s)%n",
                    finalBefore,
                    COMMANDS,
                    calledBefore,
                    calledBefore - succeededBefore,
                    took.toMillis(),
                    budget.worst().toSeconds());
            assertStoppedCleanly(first, stopped, took, budget);

            String between = afterTheStop(sent, ledger, deadLettersLogged(first));

            ShippedWorkerCheck secondCheck = new ShippedWorkerCheck(infra, name, Ports.free());
            second = worker(secondCheck, "b", budget);
            second.start();
            secondCheck.awaitReady(second);
            long secondReady = System.nanoTime();
            Map<TopicPartition, Long> ends = ends(sent);
            try {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() ->
                                finalCount() == COMMANDS && committedOffsets().equals(ends));
            } catch (RuntimeException e) {
                throw new AssertionError(
                        "the second jar did not finish: " + finalCount() + " of " + COMMANDS + " final, committed "
                                + committedOffsets() + " of " + ends + "; its log:\n" + log(second),
                        e);
            }
            long stopping = System.nanoTime();
            boolean secondStopped = second.stop(budget.worst());
            assertStoppedCleanly(second, secondStopped, Duration.ofNanos(System.nanoTime() - stopping), budget);

            long secondDone = System.nanoTime();
            Map<String, Integer> logged = deadLettersLogged(first);
            deadLettersLogged(second).forEach((key, n) -> logged.merge(key, n, Integer::sum));
            exactlyOnce(sent, ledger, logged, between + "; logs " + first.log() + ", " + second.log());
            System.out.printf(
                    "ShutdownUnderLoadIT: first ready after %d ms, SIGTERM at %d ms, second ready at %d ms, done at %d"
                            + " ms, checked at %d ms%n",
                    (firstReady - t0) / 1_000_000,
                    (sigterm - t0) / 1_000_000,
                    (secondReady - t0) / 1_000_000,
                    (secondDone - t0) / 1_000_000,
                    (System.nanoTime() - t0) / 1_000_000);
        } finally {
            first.kill();
            if (second != null) second.kill();
        }
    }

    private JavaProcess worker(ShippedWorkerCheck check, String instance, StopBudget budget) throws Exception {
        Map<String, String> env = new HashMap<>(check.environment(name));
        env.put("REMIT_WORKER_GROUP_ID", name);
        env.put("REMIT_WORKER_INSTANCE_ID", name + "-" + instance); // a new pod: its own transactional ids
        env.put("REMIT_WORKER_CONSUMERS", Integer.toString(budget.consumers()));
        env.put("REMIT_WORKER_SHUTDOWN_TIMEOUT", budget.shutdownSeconds() + "s");
        env.put("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE", budget.phase() + "s"); // as the chart renders it
        env.put("REMIT_API_TIMEOUT", "2s"); // the chart requires shutdownTimeout >= api.timeout
        env.put("REMIT_API_MAX_IN_FLIGHT", Integer.toString(MAX_IN_FLIGHT));
        env.put("REMIT_TOPICS_PARTITIONS", Integer.toString(PARTITIONS));
        env.put("REMIT_TOPICS_OUTCOMES", outcomesTopic);
        env.put("REMIT_RETRY_DELAYS", "300ms,600ms,1s");
        Path log = Files.createTempFile("remit-shutdown-" + instance + "-", ".log");
        return JavaProcess.ofJar("remit-shutdown-" + instance, Shipped.jar(), List.of("-Xmx384m"), List.of(), env, log);
    }

    /** 2,050 commands, every 41st invalid (two kinds of COMMAND_INVALID), as one burst; answers them by key. */
    private Map<String, Sent> send() throws Exception {
        Map<String, Future<RecordMetadata>> futures = new LinkedHashMap<>();
        Map<String, Boolean> validity = new HashMap<>();
        try (KafkaProbe kafka = new KafkaProbe(infra.bootstrapServers)) {
            for (int n = 0; n < COMMANDS; n++) {
                boolean invalid = n % INVALID_EVERY == INVALID_EVERY / 2;
                String key = name + (invalid ? "-bad-" : "-ok-") + n;
                String value = !invalid
                        ? Commands.createInvoice(key)
                        : n % 2 == 0
                                ? Commands.createInvoice("conn_demo", key, "1.005", "USD")
                                : "{\"type\":\"invoice.create\",\"amount\":\"-1\"}";
                validity.put(key, !invalid);
                futures.put(
                        key,
                        kafka.producer()
                                .send(new ProducerRecord<>(
                                        commandsTopic,
                                        key.getBytes(StandardCharsets.UTF_8),
                                        value.getBytes(StandardCharsets.UTF_8))));
            }
            kafka.producer().flush();
            Map<String, Sent> sent = new LinkedHashMap<>();
            for (var e : futures.entrySet()) {
                RecordMetadata m = e.getValue().get();
                sent.put(
                        e.getKey(),
                        new Sent(
                                e.getKey(),
                                validity.get(e.getKey()),
                                new TopicPartition(m.topic(), m.partition()),
                                m.offset()));
            }
            assertThat(sent.values().stream().filter(s -> !s.valid())).hasSize(50);
            return sent;
        }
    }

    private void assertStoppedCleanly(JavaProcess process, boolean stopped, Duration took, StopBudget budget)
            throws Exception {
        String output = log(process);
        assertThat(stopped)
                .as(process.name() + " exits within the chart's worst-case stop, "
                        + budget.worst().toSeconds() + " s, of SIGTERM; its log:\n" + output)
                .isTrue();
        assertThat(took).as(process.name() + " stop time").isLessThanOrEqualTo(budget.worst());
        assertThat(process.exitValue()).as(output).isIn(143, 0); // 143 = 128 + SIGTERM: the shutdown hooks ran
        List<String> errors =
                output.lines().filter(line -> line.contains(" ERROR ")).toList();
        assertThat(errors)
                .as(process.name() + " logged errors; its log:\n" + output)
                .isEmpty();
        assertThat(output)
                .as(process.name() + "'s log")
                .contains("remit stopped")
                // 150 ms calls, 5 s to finish them: nothing in flight may be abandoned
                .doesNotContain("abandoning")
                .doesNotContain("still running at shutdown")
                .doesNotContain(SandboxOptions.DEFAULT_SECRET);
        if (!infra.dbPassword.equals(infra.dbUser) && !infra.jdbcUrl.contains(infra.dbPassword)) {
            assertThat(output).as(process.name() + "'s log").doesNotContain(infra.dbPassword);
        }
    }

    /**
     * Between the instances: the first committed exactly what it had finished. Every record its commit passes has its
     * final row, and its dead letter and outcome event on the topics; no record past it has either on a topic; every
     * command it called is stored as SUCCEEDED (the calls in flight finished and were stored). Answers a summary.
     */
    private String afterTheStop(Map<String, Sent> sent, Ledger ledger, Map<String, Integer> logged) throws Exception {
        Map<TopicPartition, Long> committed = committedOffsets();
        Map<String, String[]> rows = outcomeRows();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> deadLetters = byKey(readAll(deadLetterTopic));
        Map<String, List<ConsumerRecord<byte[], byte[]>>> events = byKey(readAll(outcomesTopic));
        List<String> findings = new ArrayList<>();
        long passed = 0, storedAhead = 0, calledNotStored = 0;
        for (Sent s : sent.values()) {
            String[] row = rows.get(s.key());
            boolean isFinal = row != null && FINAL.contains(row[0]);
            int dead = deadLetters.getOrDefault(s.key(), List.of()).size();
            int event = events.getOrDefault(s.key(), List.of()).size();
            if (s.offset() < committed.getOrDefault(s.partition(), 0L)) {
                passed++;
                if (!isFinal) findings.add("committed without a final row: " + s.key());
                if (dead != (s.valid() ? 0 : 1)) findings.add("committed with " + dead + " dead letter(s): " + s.key());
                if (event != 1) findings.add("committed with " + event + " outcome event(s): " + s.key());
                if (!s.valid() && logged.getOrDefault(s.key(), 0) != 1)
                    findings.add("committed, but its dead letter logged " + logged.getOrDefault(s.key(), 0) + "x: "
                            + s.key());
            } else {
                if (isFinal) storedAhead++;
                if (dead + event > 0)
                    findings.add("not committed, yet " + dead + " dead letter(s) and " + event
                            + " outcome event(s) are: " + s.key());
                if (logged.containsKey(s.key())) findings.add("not committed, yet logged as dead-lettered: " + s.key());
            }
            if (s.valid() && ledger.calls(s.key()) > 0 && (row == null || !row[0].equals("SUCCEEDED"))) {
                calledNotStored++;
                findings.add(
                        "called, but not stored as SUCCEEDED: " + s.key() + " " + (row == null ? "(no row)" : row[0]));
            }
        }
        String summary = "after the first stop: committed " + passed + " of " + COMMANDS + ", "
                + rows.values().stream().filter(r -> FINAL.contains(r[0])).count() + " final in PostgreSQL ("
                + storedAhead + " decided but not committed, to be replayed), " + calledNotStored
                + " called but not stored; committed offsets " + committed;
        System.out.println("ShutdownUnderLoadIT: " + summary);
        assertThat(findings.size())
                .as(summary + "; findings:\n  "
                        + String.join("\n  ", findings.subList(0, Math.min(findings.size(), 30))))
                .isZero();
        assertThat(COMMANDS - passed)
                .as("the stop came under load: many commands were left to the next instance; " + summary)
                .isGreaterThanOrEqualTo(LEFT_AT_LEAST);
        return summary;
    }

    /** After the second instance: each command took effect exactly once, and each outbound record exists once. */
    private void exactlyOnce(Map<String, Sent> sent, Ledger ledger, Map<String, Integer> logged, String between)
            throws Exception {
        Map<String, String[]> rows = outcomeRows();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> deadLetters = byKey(readAll(deadLetterTopic));
        Map<String, List<ConsumerRecord<byte[], byte[]>>> events = byKey(readAll(outcomesTopic));
        Map<String, Integer> storedDeadLetters = new HashMap<>();
        jdbc.query(
                "select request_id, count(*) from dead_letter where request_id like ? group by request_id",
                (java.sql.ResultSet r) -> {
                    storedDeadLetters.put(r.getString(1), r.getInt(2));
                },
                name + "-%");
        Map<String, Long> counts = new LinkedHashMap<>();
        List<String> findings = new ArrayList<>();
        for (Sent s : sent.values()) {
            String[] row = rows.get(s.key());
            if (row == null || !FINAL.contains(row[0])) {
                count(counts, findings, "lost", s.key() + (row == null ? " (no row)" : " (" + row[0] + ")"));
                continue;
            }
            String expected = s.valid() ? "SUCCEEDED" : "DEAD_LETTERED";
            if (!row[0].equals(expected) || (!s.valid() && !"COMMAND_INVALID".equals(row[1]))) {
                count(counts, findings, "wrong outcome", s.key() + " is " + row[0] + " " + row[1]);
            }
            int calls = ledger.calls(s.key());
            int effects = ledger.effects(s.key());
            if (s.valid() && effects != 1)
                count(counts, findings, "success without one effect", s.key() + " has " + effects);
            if (s.valid() && calls != 1) count(counts, findings, "called again", s.key() + " called " + calls + "x");
            if (!s.valid() && calls + effects > 0) count(counts, findings, "invalid but called", s.key());
            List<ConsumerRecord<byte[], byte[]>> dead = deadLetters.getOrDefault(s.key(), List.of());
            if (s.valid() && !dead.isEmpty()) count(counts, findings, "dead letter of a success", s.key());
            if (!s.valid() && dead.isEmpty()) count(counts, findings, "missing dead letters", s.key());
            if (dead.size() > 1) count(counts, findings, "duplicate dead letters", s.key() + " " + dead.size() + "x");
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                if (!"COMMAND_INVALID".equals(KafkaProbe.header(d, "remit.error.code")))
                    count(counts, findings, "wrong dead-letter code", s.key());
            }
            int log = logged.getOrDefault(s.key(), 0);
            if (log != (s.valid() ? 0 : 1))
                count(counts, findings, "dead letter not logged once", s.key() + " " + log + "x");
            int stored = storedDeadLetters.getOrDefault(s.key(), 0);
            if (stored != (s.valid() ? 0 : 1))
                count(counts, findings, "dead_letter rows off", s.key() + " has " + stored);
            List<ConsumerRecord<byte[], byte[]>> event = events.getOrDefault(s.key(), List.of());
            if (event.size() != 1) {
                count(counts, findings, "outcome events off", s.key() + " has " + event.size());
            } else if (!expected.equals(
                    JSON.readTree(event.getFirst().value()).get("status").asString())) {
                count(counts, findings, "wrong outcome event", s.key());
            }
        }
        for (String key : ledger.effectsByRequestId().keySet()) {
            if (key.startsWith(name + "-") && !sent.containsKey(key))
                count(counts, findings, "effect under an unknown requestId", key);
        }
        for (String key : deadLetters.keySet()) {
            if (!sent.containsKey(key)) count(counts, findings, "unexpected dead letters", key);
        }
        for (String key : events.keySet()) {
            if (!sent.containsKey(key)) count(counts, findings, "unexpected outcome events", key);
        }
        long succeeded =
                rows.values().stream().filter(r -> r[0].equals("SUCCEEDED")).count();
        String summary = "in " + COMMANDS + ", SUCCEEDED " + succeeded + ", DEAD_LETTERED "
                + rows.values().stream()
                        .filter(r -> r[0].equals("DEAD_LETTERED"))
                        .count()
                + ", dead letters on the topic "
                + deadLetters.values().stream().mapToInt(List::size).sum() + ", outcome events "
                + events.values().stream().mapToInt(List::size).sum() + "; violations " + counts + "; " + between;
        System.out.println("ShutdownUnderLoadIT: " + summary);
        assertThat(findings.size())
                .as(summary + "; findings:\n  "
                        + String.join("\n  ", findings.subList(0, Math.min(findings.size(), 30))))
                .isZero();
    }

    private static void count(Map<String, Long> counts, List<String> findings, String what, String detail) {
        counts.merge(what, 1L, Long::sum);
        findings.add(what + ": " + detail);
    }

    private long finalCount() {
        Long n = jdbc.queryForObject(
                "select count(*) from command_outcome where request_id like ? and status in ('SUCCEEDED',"
                        + " 'DEAD_LETTERED')",
                Long.class,
                name + "-%");
        return n == null ? 0 : n;
    }

    /** requestId → {status, error_code} of this run's commands. */
    private Map<String, String[]> outcomeRows() {
        Map<String, String[]> rows = new HashMap<>();
        jdbc.query(
                "select request_id, status, error_code from command_outcome where request_id like ?",
                (java.sql.ResultSet r) -> {
                    rows.put(r.getString(1), new String[] {r.getString(2), r.getString(3)});
                },
                name + "-%");
        return rows;
    }

    /** The commands topic's end offsets: one producer wrote it, so each partition's last offset + 1. */
    private static Map<TopicPartition, Long> ends(Map<String, Sent> sent) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        sent.values().forEach(s -> ends.merge(s.partition(), s.offset() + 1, Math::max));
        return ends;
    }

    /** The group's committed offsets on the commands topic. */
    private Map<TopicPartition, Long> committedOffsets() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(name)
                    .partitionsToOffsetAndMetadata()
                    .get();
            Map<TopicPartition, Long> offsets = new HashMap<>();
            committed.forEach((partition, offset) -> {
                if (offset != null && partition.topic().equals(commandsTopic)) offsets.put(partition, offset.offset());
            });
            return offsets;
        }
    }

    /** A topic from the start to its last stable offset, as a read_committed consumer sees it. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return KafkaProbe.readToEnd(infra.bootstrapServers, topic, Duration.ofSeconds(30));
    }

    private static Map<String, List<ConsumerRecord<byte[], byte[]>>> byKey(
            List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            byKey.computeIfAbsent(String.valueOf(KafkaProbe.key(r)), k -> new ArrayList<>())
                    .add(r);
        }
        return byKey;
    }

    /** README: each dead letter is logged once, at WARN, when it is committed: the requestIds of those lines, counted. */
    private static Map<String, Integer> deadLettersLogged(JavaProcess process) throws Exception {
        Map<String, Integer> logged = new HashMap<>();
        Matcher m = DEAD_LETTER_LINE.matcher(log(process));
        while (m.find()) logged.merge(m.group(1), 1, Integer::sum);
        return logged;
    }

    private static String log(JavaProcess process) throws Exception {
        return Files.exists(process.log()) ? Files.readString(process.log(), StandardCharsets.ISO_8859_1) : "";
    }
}
