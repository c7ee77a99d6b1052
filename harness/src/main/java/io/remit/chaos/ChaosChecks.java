package io.remit.chaos;

import io.remit.sandbox.Ledger;
import io.remit.sandbox.WebhookLog;
import io.remit.testing.CommandMix;
import io.remit.testing.KafkaProbe;
import io.remit.webhook.Settlement;
import io.remit.webhook.SettlementRelay;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What must hold once a run is quiet: every command has one final outcome row as expected,
 * one sandbox effect per success and none per dead letter, each dead letter once on the
 * dead-letter topic (read_committed), no retry record left, and no secret anywhere.
 */
public final class ChaosChecks {
    private final Map<String, Long> counts = new LinkedHashMap<>();
    private final List<String> findings = new java.util.ArrayList<>();

    public Map<String, Long> counts() {
        return counts;
    }

    public List<String> findings() {
        return findings;
    }

    long violations() {
        return List.of(
                        "lost",
                        "wrong outcome",
                        "duplicate effects",
                        "success without one effect",
                        "dead letter with effect",
                        "duplicate dead letters",
                        "missing dead letters",
                        "unexpected dead letters",
                        "outcome events missing",
                        "outcome events duplicated",
                        "outcome events contradicting the row",
                        "settlement events missing",
                        "settlement events duplicated",
                        "settlement events unexpected",
                        "settlement events contradicting the webhook",
                        "settlements not on the row",
                        "unconsumed records",
                        "secret hits")
                .stream()
                .mapToLong(name -> counts.getOrDefault(name, 0L))
                .sum();
    }

    void outcomes(CommandMix load, JdbcTemplate jdbc, Ledger ledger) {
        Map<String, String[]> rows = new HashMap<>();
        jdbc.query(
                "select request_id, status, error_code from command_outcome where request_id like ?",
                (java.sql.ResultSet r) -> {
                    rows.put(r.getString(1), new String[] {r.getString(2), r.getString(3)});
                },
                "c-" + load.run + "-%");
        long lost = 0, wrong = 0, exhausted = 0, succeeded = 0, dead = 0, noEffect = 0, deadWithEffect = 0;
        for (CommandMix.Expected e : load.byKey.values()) {
            String[] row = rows.get(e.key());
            if (row == null || row[0].equals("RETRYING")) {
                lost++;
                note("lost: " + e.key() + (row == null ? " (no row)" : " (still RETRYING)"));
                continue;
            }
            if (row[0].equals("SUCCEEDED")) succeeded++;
            else dead++;
            if ("RETRIES_EXHAUSTED".equals(row[1]) && e.status().equals("SUCCEEDED")) {
                exhausted++;
            } else if (!row[0].equals(e.status())
                    || (e.code() != null && !e.code().equals(row[1]))) {
                wrong++;
                note("wrong outcome: " + e.key() + " is " + row[0] + " " + row[1] + ", expected " + e.status() + " "
                        + e.code());
            }
            int effects = ledger.effects(e.key());
            if (row[0].equals("SUCCEEDED") && effects != 1) {
                noEffect++;
                note("success without one effect: " + e.key() + " has " + effects);
            }
            if (row[0].equals("DEAD_LETTERED") && effects != 0 && !"RETRIES_EXHAUSTED".equals(row[1])) {
                deadWithEffect++;
                note("dead letter with effect: " + e.key());
            }
        }
        long duplicates =
                ledger.effectsByRequestId().values().stream().filter(n -> n > 1).count();
        counts.put("in", (long) load.byKey.size());
        counts.put("succeeded", succeeded);
        counts.put("dead-lettered", dead);
        counts.put("retries exhausted", exhausted);
        counts.put("lost", lost);
        counts.put("wrong outcome", wrong);
        counts.put("duplicate effects", duplicates);
        counts.put("success without one effect", noEffect);
        counts.put("dead letter with effect", deadWithEffect);
    }

    /**
     * Each dead-lettered command once on the dead-letter topic (read_committed), and nothing else there. Like outcome
     * events, a dead letter commits in the Kafka transaction after its row: missing ones alone are read again for up to
     * {@link #EVENT_PATIENCE}.
     */
    void deadLetters(CommandMix load, JdbcTemplate jdbc, String bootstrap, String topic) {
        DeadLetterTally tally = readWhileOnlyMissing(
                () -> DeadLetterTally.read(load.run, jdbc, bootstrap, topic), DeadLetterTally::onlyMissing);
        tally.onTopic().forEach((k, n) -> {
            if (n > 1) note("dead-lettered " + n + " times: " + k);
        });
        counts.put("dead letters on topic", (long)
                tally.onTopic().values().stream().mapToInt(Integer::intValue).sum());
        counts.put("duplicate dead letters", tally.duplicates());
        counts.put("missing dead letters", tally.missing());
        counts.put("unexpected dead letters", tally.unexpected());
    }

    /** One reading of the dead-letter topic against the DEAD_LETTERED rows. */
    private record DeadLetterTally(Set<String> rows, Map<String, Integer> onTopic) {
        static DeadLetterTally read(String run, JdbcTemplate jdbc, String bootstrap, String topic) {
            Set<String> rows = new java.util.HashSet<>(jdbc.queryForList(
                    "select request_id from command_outcome where status = 'DEAD_LETTERED' and request_id like ?",
                    String.class,
                    "c-" + run + "-%"));
            Map<String, Integer> onTopic = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : readAll(bootstrap, topic)) {
                if (record.key() != null)
                    onTopic.merge(new String(record.key(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
            return new DeadLetterTally(rows, onTopic);
        }

        long missing() {
            return rows.stream().filter(k -> !onTopic.containsKey(k)).count();
        }

        long unexpected() {
            return onTopic.keySet().stream().filter(k -> !rows.contains(k)).count();
        }

        long duplicates() {
            return onTopic.values().stream().filter(n -> n > 1).count();
        }

        boolean onlyMissing() {
            return missing() > 0 && unexpected() == 0 && duplicates() == 0;
        }
    }

    /**
     * Exactly one outcome event per command (read_committed), saying what its row says: the ERP acts on these, so a
     * missing one is a payment it never hears of and a second one an event it may act on twice.
     */
    void outcomeEvents(CommandMix load, JdbcTemplate jdbc, String bootstrap, String topic) {
        outcomeEvents(load.run, jdbc, bootstrap, topic);
    }

    /**
     * {@link #outcomeEvents(CommandMix, JdbcTemplate, String, String)} for the commands keyed {@code c-<run>-<n>}; the
     * benchmark's drains use it too. Its counts are {@link #outcomeEventViolations()}.
     *
     * <p>A row is final before the Kafka transaction that carries its outcome event commits (remit writes PostgreSQL
     * first, then the event with the record's offset), so a command whose row was written a moment ago may not have its
     * event yet. Missing events alone are read again for up to {@link #EVENT_PATIENCE}; a duplicate or a contradiction
     * never goes away, so it is reported at once. An event still missing after that is lost.
     */
    public void outcomeEvents(String run, JdbcTemplate jdbc, String bootstrap, String topic) {
        long started = System.nanoTime();
        EventTally tally = readWhileOnlyMissing(
                () -> EventTally.read(run, jdbc, bootstrap, topic),
                t -> !t.missing().isEmpty()
                        && t.duplicated().isEmpty()
                        && t.contradicting().isEmpty());
        long waited = Duration.ofNanos(System.nanoTime() - started).toMillis();
        if (waited > 1000 && tally.missing().isEmpty())
            note("outcome events complete " + waited + " ms after the rows (transactions still committing)");
        tally.contradicting().forEach(this::note);
        tally.duplicated().forEach((k, n) -> note(n + " outcome events for " + k));
        tally.missing().stream().limit(5).forEach(k -> note("no outcome event for " + k));
        counts.put("outcome events", tally.events());
        counts.put("outcome events missing", (long) tally.missing().size());
        counts.put("outcome events duplicated", (long) tally.duplicated().size());
        counts.put("outcome events contradicting the row", (long)
                tally.contradicting().size());
    }

    /** How long a missing outcome event is waited for: far beyond remit's commit cadence (a transaction each ~100 ms). */
    static final Duration EVENT_PATIENCE = Duration.ofSeconds(30);

    /** One reading of the outcome events against the rows: what is missing, doubled, or says another status. */
    private record EventTally(
            long events, List<String> missing, Map<String, Integer> duplicated, List<String> contradicting) {
        static EventTally read(String run, JdbcTemplate jdbc, String bootstrap, String topic) {
            Map<String, String> rows = new HashMap<>();
            jdbc.query(
                    "select request_id, status from command_outcome where request_id like ? and status <> 'RETRYING'",
                    (java.sql.ResultSet r) -> {
                        rows.put(r.getString(1), r.getString(2));
                    },
                    "c-" + run + "-%");
            Map<String, Integer> seen = new HashMap<>();
            List<String> contradicting = new java.util.ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : readAll(bootstrap, topic)) {
                if (record.key() == null || isSettlement(record)) continue;
                String key = new String(record.key(), StandardCharsets.UTF_8);
                seen.merge(key, 1, Integer::sum);
                String value = new String(record.value(), StandardCharsets.UTF_8);
                String status = rows.get(key);
                if (status != null && !value.contains("\"status\":\"" + status + "\"")) {
                    contradicting.add("outcome event of " + key + " contradicts its row " + status + ": " + value);
                }
            }
            Map<String, Integer> duplicated = new java.util.TreeMap<>();
            seen.forEach((k, n) -> {
                if (n > 1) duplicated.put(k, n);
            });
            List<String> missing = rows.keySet().stream()
                    .filter(k -> !seen.containsKey(k))
                    .sorted()
                    .toList();
            long events = seen.values().stream().mapToInt(Integer::intValue).sum();
            return new EventTally(events, missing, duplicated, contradicting);
        }
    }

    /**
     * Reads until a reading has more to say than that some records are not there yet, or {@link #EVENT_PATIENCE} has
     * passed: what remit writes to Kafka commits a moment after its row, and a missing record may yet come, whereas a
     * duplicate or an unexpected one never goes away.
     */
    private static <T> T readWhileOnlyMissing(
            java.util.function.Supplier<T> read, java.util.function.Predicate<T> onlyMissing) {
        long started = System.nanoTime();
        T reading = read.get();
        while (onlyMissing.test(reading) && System.nanoTime() - started < EVENT_PATIENCE.toNanos()) {
            sleep(Duration.ofMillis(500));
            reading = read.get();
        }
        return reading;
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for records still committing", e);
        }
    }

    /** Commands with no outcome event, with more than one, or with one that contradicts the row. */
    public long outcomeEventViolations() {
        return List.of("outcome events missing", "outcome events duplicated", "outcome events contradicting the row")
                .stream()
                .mapToLong(name -> counts.getOrDefault(name, 0L))
                .sum();
    }

    /**
     * Exactly one settlement event per settlement the sandbox's webhooks reported for a command remit completed, saying
     * what the webhook said, and the command's row agreeing: a payment's {@code payment.settled} or
     * {@code payment.failed} (by the {@code pay_…} its row names), an approval's {@code invoice.approved}. Webhooks
     * about what remit did not create ({@code invoice.settled} of the sandbox's seeded invoices) must change nothing.
     */
    void settlements(
            CommandMix load, JdbcTemplate jdbc, String bootstrap, String topic, List<WebhookLog.Entry> delivered) {
        Map<String, String> reported =
                new HashMap<>(); // resource id -> settlement its webhooks reported, by precedence
        for (WebhookLog.Entry e : delivered) {
            Settlement.ofType(e.type())
                    .ifPresent(settlement -> reported.merge(
                            e.dataId(),
                            settlement.name(),
                            (held, next) -> Settlement.valueOf(next).supersedes(held) ? next : held));
        }
        Map<String, String> expected = new HashMap<>(); // requestId -> settlement
        Map<String, String> rows = new HashMap<>();
        jdbc.query(
                """
                select request_id, command_type, resource_id, settlement from command_outcome
                where request_id like ? and status = 'SUCCEEDED' and command_type in ('payment.create', 'invoice.approve')""",
                (java.sql.ResultSet r) -> {
                    String want = reported.get(r.getString(3));
                    if (want != null) expected.put(r.getString(1), want);
                    rows.put(r.getString(1), r.getString(4));
                },
                "c-" + load.run + "-%");
        Map<String, Integer> seen = new HashMap<>();
        long wrong = 0, unexpected = 0;
        for (ConsumerRecord<byte[], byte[]> record : readAll(bootstrap, topic)) {
            if (record.key() == null || !isSettlement(record)) continue;
            String key = new String(record.key(), StandardCharsets.UTF_8);
            seen.merge(key, 1, Integer::sum);
            String value = new String(record.value(), StandardCharsets.UTF_8);
            String want = expected.get(key);
            if (want == null) {
                unexpected++;
                note("settlement event for " + key + ", which no webhook settled: " + value);
            } else if (!value.contains("\"settlement\":\"" + want + "\"")) {
                wrong++;
                note("settlement event of " + key + " says other than its webhook (" + want + "): " + value);
            }
        }
        long rowsWrong = expected.entrySet().stream()
                .filter(e -> !e.getValue().equals(rows.get(e.getKey())))
                .peek(e -> note("row of " + e.getKey() + " has settlement " + rows.get(e.getKey()) + ", expected "
                        + e.getValue()))
                .count();
        long missing =
                expected.keySet().stream().filter(k -> !seen.containsKey(k)).count();
        long duplicated = seen.values().stream().filter(n -> n > 1).count();
        expected.keySet().stream()
                .filter(k -> !seen.containsKey(k))
                .limit(5)
                .forEach(k -> note("no settlement event for " + k + "; " + webhooksOf(k, jdbc, delivered)));
        counts.put("settlements reported by webhooks", (long) expected.size());
        counts.put("settlement events", (long)
                seen.values().stream().mapToInt(Integer::intValue).sum());
        counts.put("settlement events missing", missing);
        counts.put("settlement events duplicated", duplicated);
        counts.put("settlement events unexpected", unexpected);
        counts.put("settlement events contradicting the webhook", wrong);
        counts.put("settlements not on the row", rowsWrong);
    }

    /** What the sandbox delivered and what {@code webhook_event} holds about a command: a missing settlement explained. */
    private static String webhooksOf(String requestId, JdbcTemplate jdbc, List<WebhookLog.Entry> delivered) {
        String resource = jdbc.queryForObject(
                "select resource_id from command_outcome where request_id = ?", String.class, requestId);
        String sent = delivered.stream()
                .filter(e -> e.dataId().equals(resource))
                .map(e -> e.type() + " " + e.id() + " x" + e.deliveries() + " " + e.attempts())
                .toList()
                .toString();
        String stored = jdbc.query(
                        """
                        select event_id, event_type, named_request_id, request_id, applied, match_after, received_at
                        from webhook_event where resource_id = ? or named_request_id = ? order by received_at""",
                        (r, i) -> r.getString(2) + " " + r.getString(1) + " named " + r.getString(3) + ", matched to "
                                + r.getString(4) + ", applied " + r.getString(5) + ", match_after " + r.getString(6)
                                + ", received " + r.getString(7),
                        resource,
                        requestId)
                .toString();
        return "resource " + resource + ": the sandbox delivered " + sent + "; webhook_event holds " + stored;
    }

    private static boolean isSettlement(ConsumerRecord<byte[], byte[]> record) {
        return SettlementRelay.EVENT_SETTLEMENT.equals(KafkaProbe.header(record, SettlementRelay.EVENT_HEADER));
    }

    /**
     * Records of the consumed topics (commands and retries) past the group's committed offsets, read as
     * read_committed (an offset difference alone would count transaction markers): once quiet, every partition's
     * committed offset has reached its end.
     */
    void unconsumed(String bootstrap, String group, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
        }
        long left = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaProbe.readCommitted(bootstrap)) {
            List<TopicPartition> partitions = new java.util.ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata done = committed.get(partition);
                if (done == null) consumer.seekToBeginning(List.of(partition));
                else consumer.seek(partition, done.offset());
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline
                    && partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    left++;
                    note("unconsumed: " + record.topic() + "-" + record.partition() + "@" + record.offset());
                }
            }
        }
        counts.put("unconsumed records", left);
    }

    void secrets(List<Path> logs, JdbcTemplate jdbc, String bootstrap, String deadLetterTopic, String... secrets)
            throws IOException {
        long hits = 0;
        for (Path log : logs) {
            if (!Files.exists(log)) continue;
            String text = Files.readString(log, StandardCharsets.ISO_8859_1);
            for (String secret : secrets) hits += count(text, secret, "log " + log.getFileName());
        }
        String rows = String.join(
                "\n",
                jdbc.queryForList(
                        "select concat_ws('|', request_id, error_code, error_message, resource_id) "
                                + "from command_outcome",
                        String.class));
        for (String secret : secrets) hits += count(rows, secret, "command_outcome");
        StringBuilder headers = new StringBuilder();
        for (ConsumerRecord<byte[], byte[]> record : readAll(bootstrap, deadLetterTopic)) {
            for (Header header : record.headers())
                headers.append(new String(header.value(), StandardCharsets.UTF_8))
                        .append('\n');
        }
        for (String secret : secrets) hits += count(headers.toString(), secret, "dead-letter headers");
        counts.put("secret hits", hits);
    }

    private long count(String text, String secret, String where) {
        long n = 0;
        for (int i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + 1)) n++;
        if (n > 0) note("secret found " + n + " times in " + where);
        return n;
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        return KafkaProbe.readToEnd(bootstrap, topic, Duration.ofSeconds(60));
    }

    private void note(String finding) {
        if (findings.size() < 50) findings.add(finding);
    }

    String table(Map<String, Object> extra) {
        StringBuilder out = new StringBuilder("\n| check | value |\n|---|---|\n");
        counts.forEach(
                (k, v) -> out.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        extra.forEach(
                (k, v) -> out.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        out.append("| **violations** | **").append(violations()).append("** |\n");
        findings.forEach(f -> out.append("  - ").append(f).append('\n'));
        return out.toString();
    }
}
