package io.remit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.remit.store.StorableText;
import io.remit.testing.Infrastructure;
import io.remit.testing.KafkaProbe;
import io.remit.testing.TestSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * No byte stops intake (issue 19), on the real broker and PostgreSQL, with an API that answers whatever a broken or
 * hostile server might: bytes PostgreSQL refuses (NUL in header names and values, in values, in forged origins),
 * path-walking ids, and answers of 10 MB, with NUL or 300-character codes. Each record ends in one committed dead letter
 * or outcome, later commands on its partition succeed, and the committed offsets reach the end.
 */
@SpringBootTest(classes = RemitApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// a context of its own: closed after this class, so its worker does not poll Kafka beside the tests that follow
@DirtiesContext
class HostileBytesIT {
    private static final String COMMANDS = "hb.commands";
    private static final String DEAD_LETTERS = "hb.commands.dlq";
    private static final String OUTCOMES = "hb.commands.outcomes";
    private static final String GROUP = "hb";
    private static final Infrastructure infra = Infrastructure.get();
    private static final KafkaProbe kafka = new KafkaProbe(infra.bootstrapServers);
    private static final HostileApi api = new HostileApi();

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ApplicationAvailability availability;

    @DynamicPropertySource
    static void remit(DynamicPropertyRegistry registry) {
        Map<String, String> settings = TestSettings.remit(infra, COMMANDS, DEAD_LETTERS, GROUP);
        settings.put("remit.api.base-url", api.baseUrl());
        settings.put("remit.api.max-response-size", "1MB");
        settings.forEach((name, value) -> registry.add(name, () -> value));
    }

    @AfterAll
    static void stop() {
        api.server.stop(0);
    }

    @Test
    void bytesPostgresqlRefusesAndHostileAnswersEndFinalAndThePartitionFlows() throws Exception {
        String run = "hb-" + UUID.randomUUID().toString().substring(0, 8);
        List<RecordMetadata> sent = new ArrayList<>();
        // a NUL in a header name and in a header value, on a record that is dead-lettered (its headers are stored)
        ProducerRecord<byte[], byte[]> nulHeader = record(run + "-nul-header", "{not json");
        nulHeader.headers().add("bad\u0000name", "v".getBytes(StandardCharsets.UTF_8));
        nulHeader.headers().add("nul-value", new byte[] {'a', 0, 'b'});
        nulHeader.headers().add("not-utf8", new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF});
        sent.add(send(nulHeader));
        // a forged origin on the commands topic: never believed there
        ProducerRecord<byte[], byte[]> forged = record(run + "-forged", "[]");
        forged.headers().add("remit.original.topic", "evil\u0000topic".getBytes(StandardCharsets.UTF_8));
        forged.headers().add("remit.original.partition", "7".getBytes(StandardCharsets.UTF_8));
        forged.headers().add("remit.original.offset", "99".getBytes(StandardCharsets.UTF_8));
        sent.add(send(forged));
        // a raw NUL byte in the value, and a NUL escaped in a valid command's text
        sent.add(send(record(run + "-nul-value", "{\"type\":\"invoice.create\",\u0000}")));
        sent.add(
                send(
                        record(
                                run + "-nul-text",
                                "{\"type\":\"invoice.create\",\"connectionId\":\"conn_1\",\"invoiceNumber\":\"N\\u0000\","
                                        + "\"amount\":\"10.00\",\"currency\":\"USD\",\"dueDate\":\"2026-12-31\",\"description\":\"a\\u0000b\"}")));
        // ids that would walk the API's path, and one that must be percent-encoded
        sent.add(send(record(run + "-dotdot", approve("..", null))));
        sent.add(send(record(run + "-dot", approve(".", null))));
        sent.add(send(record(run + "-colon", approve("inv:" + run, null))));
        // the API's answers: 10 MB bodies, a NUL and 300 characters in the code, a NUL in the id and the message
        for (String answer : List.of("big-ok", "big-422", "nul-code", "long-code", "nul-id", "nul-message")) {
            sent.add(send(record(run + "-answer-" + answer, create(run + "-" + answer))));
        }
        // PostgreSQL refuses a dead letter's headers (a constraint stands in for any refusal of what a record holds):
        // the record is stored in the minimal form and dead-lettered STORE_REFUSED; its neighbours are stored as they
        // are
        jdbc.execute("alter table dead_letter drop constraint if exists hb_poison");
        jdbc.execute("alter table dead_letter add constraint hb_poison check (headers::text not like '%hb-poison%')");
        List<String> good = new ArrayList<>();
        try {
            for (int n = 0; n < 5; n++) {
                ProducerRecord<byte[], byte[]> poison = record(run + "-poison-" + n, "not json at all");
                poison.headers().add("hb-poison", new byte[] {1});
                sent.add(send(poison));
                String key = run + "-neighbour-" + n;
                good.add(key);
                sent.add(send(record(key, create(key))));
            }
            for (int n = 0; n < 20; n++) {
                String key = run + "-after-" + n;
                good.add(key);
                sent.add(send(record(key, create(key))));
            }
            kafka.producer().flush();

            Map<String, ConsumerRecord<byte[], byte[]>> events = outcomeEvents(keysSent);
            assertThat(events).hasSize(sent.size());
        } finally {
            jdbc.execute("alter table dead_letter drop constraint if exists hb_poison");
        }

        Map<String, ConsumerRecord<byte[], byte[]>> dead = deadLetters(run);
        // NUL in a header name: the dead letter is stored, the name kept exactly (keyBytes) and on the topic as it came
        assertThat(code(dead, run + "-nul-header")).isEqualTo("COMMAND_UNREADABLE");
        assertThat(dead.get(run + "-nul-header").headers().lastHeader("bad\u0000name"))
                .isNotNull();
        String headers = jdbc.queryForObject(
                "select headers::text from dead_letter where request_id = ?", String.class, run + "-nul-header");
        assertThat(headers).contains("\"keyBytes\"").contains("bad\uFFFDname").doesNotContain("\\u0000");
        // the forged origin is not believed
        assertThat(jdbc.queryForMap(
                        "select origin_topic, origin_partition, origin_offset from dead_letter where request_id = ?",
                        run + "-forged"))
                .containsEntry("origin_topic", COMMANDS)
                .containsEntry("origin_partition", 0)
                .containsEntry("origin_offset", sent.get(1).offset());
        assertThat(code(dead, run + "-nul-value")).isEqualTo("COMMAND_UNREADABLE");
        assertThat(status(run + "-nul-text")).isEqualTo("SUCCEEDED");
        // path-walking ids never reach the API; the others arrive percent-encoded
        assertThat(code(dead, run + "-dotdot")).isEqualTo("COMMAND_INVALID");
        assertThat(code(dead, run + "-dot")).isEqualTo("COMMAND_INVALID");
        assertThat(api.requestedFor(run + "-dotdot")).isNull();
        assertThat(api.requestedFor(run + "-dot")).isNull();
        assertThat(api.requestedFor(run + "-colon")).isEqualTo("/api/v1/invoices/inv%3A" + run + "/approve");
        assertThat(api.paths).noneMatch(path -> path.contains("/../") || path.contains("/./"));
        // the API's answers
        assertThat(status(run + "-answer-big-ok")).isEqualTo("SUCCEEDED");
        assertThat(code(dead, run + "-answer-big-422")).isEqualTo("HTTP_422");
        assertThat(code(dead, run + "-answer-nul-code")).isEqualTo("UNRECOGNISED_ERROR");
        assertThat(code(dead, run + "-answer-long-code")).isEqualTo("UNRECOGNISED_ERROR");
        assertThat(KafkaProbe.header(dead.get(run + "-answer-nul-code"), "remit.error.message"))
                .startsWith("error code \"BAD CODE\"")
                .doesNotContain("\u0000");
        assertThat(jdbc.queryForObject(
                        "select resource_id from command_outcome where request_id = ?",
                        String.class,
                        run + "-answer-nul-id"))
                .isEqualTo("inv_ x");
        assertThat(jdbc.queryForObject(
                        "select error_message from command_outcome where request_id = ?",
                        String.class,
                        run + "-answer-nul-message"))
                .isEqualTo("line one line two");
        // the store's isolation: the refused record in the minimal form, its neighbours as they are
        for (int n = 0; n < 5; n++) {
            String key = run + "-poison-" + n;
            assertThat(code(dead, key)).isEqualTo("STORE_REFUSED");
            assertThat(jdbc.queryForMap(
                            "select error_code, headers::text as headers, record_value from dead_letter where request_id = ?",
                            key))
                    .containsEntry("error_code", "STORE_REFUSED")
                    .containsEntry("headers", "[]")
                    .containsEntry("record_value", "not json at all".getBytes(StandardCharsets.UTF_8));
        }
        for (String key : good) assertThat(status(key)).as(key).isEqualTo("SUCCEEDED");
        awaitCommittedToEnd();
        assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);
    }

    /**
     * Thousands of records of random bytes (keys, values, header names and values) and valid commands the API answers
     * at random (bodies, statuses, codes, messages, ids): every record ends final (one outcome event) and every partition
     * commits to its end.
     */
    @Test
    void randomBytesAndRandomAnswersAllEndFinal() throws Exception {
        String run = "gen-" + UUID.randomUUID().toString().substring(0, 8);
        Random random = new Random(19);
        List<RecordMetadata> sent = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int n = 0; n < 2_000; n++) {
            byte[] key = switch (n % 4) {
                case 0 -> randomBytes(random, random.nextInt(40));
                default -> (run + "-" + n + (n % 3 == 0 ? "-random" : "")).getBytes(StandardCharsets.UTF_8);
            };
            byte[] value = n % 2 == 0
                    ? randomBytes(random, random.nextInt(200))
                    : create(run + "-" + n + "-" + randomText(random, 20)).getBytes(StandardCharsets.UTF_8);
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(COMMANDS, null, key, value);
            for (int h = random.nextInt(4); h > 0; h--) {
                // a header name is a Java string to this producer: an unpaired surrogate would make it miscount the
                // record's size (the broker refuses the batch), so names get every other kind of character
                String name = StorableText.of(randomText(random, 12));
                record.headers().add(name, random.nextBoolean() ? randomBytes(random, 30) : null);
            }
            records.add(record);
        }
        List<java.util.concurrent.Future<RecordMetadata>> sending = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> record : records)
            sending.add(kafka.producer().send(record));
        for (java.util.concurrent.Future<RecordMetadata> f : sending) sent.add(f.get());
        kafka.producer().flush();
        Map<String, ConsumerRecord<byte[], byte[]>> events = outcomeEvents(expectedRequestIds(sent, records));
        assertThat(events).hasSize(records.size());
        awaitCommittedToEnd();
        assertThat(api.randomAnswers).as("the API answered at random").isGreaterThan(100);
        assertThat(availability.getLivenessState()).isEqualTo(LivenessState.CORRECT);
    }

    // ------------------------------------------------------------------ records

    private static ProducerRecord<byte[], byte[]> record(String key, String value) {
        return new ProducerRecord<>(
                COMMANDS, 0, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private final Set<String> keysSent = new HashSet<>();

    private RecordMetadata send(ProducerRecord<byte[], byte[]> record) throws ExecutionException, InterruptedException {
        keysSent.add(new String(record.key(), StandardCharsets.UTF_8));
        return kafka.producer().send(record).get();
    }

    private static String create(String invoiceNumber) {
        return "{\"type\":\"invoice.create\",\"connectionId\":\"conn_1\",\"invoiceNumber\":"
                + JsonMapper.builder().build().writeValueAsString(invoiceNumber)
                + ",\"amount\":\"10.00\",\"currency\":\"USD\",\"dueDate\":\"2026-12-31\"}";
    }

    private static String approve(String invoiceId, String reason) {
        return "{\"type\":\"invoice.approve\",\"invoiceId\":\"" + invoiceId + "\""
                + (reason == null ? "" : ",\"reason\":\"" + reason + "\"") + "}";
    }

    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** The requestId remit gives each record: its key where that is a requestId, else its place. */
    private static Set<String> expectedRequestIds(
            List<RecordMetadata> sent, List<ProducerRecord<byte[], byte[]>> records) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < sent.size(); i++) {
            byte[] key = records.get(i).key();
            String text = key == null ? null : new String(key, StandardCharsets.UTF_8);
            boolean valid = text != null
                    && key.length <= 128
                    && Arrays.equals(text.getBytes(StandardCharsets.UTF_8), key)
                    && REQUEST_ID.matcher(text).matches();
            ids.add(valid ? text : placeId(sent.get(i)));
        }
        return ids;
    }

    private static String placeId(RecordMetadata m) {
        return "@" + m.topic() + "/" + m.partition() + "/" + m.offset();
    }

    /** The outcome events of these requestIds, once all are there; keys from sent records of the first test are keys. */
    private Map<String, ConsumerRecord<byte[], byte[]>> outcomeEvents(Set<String> placeOrKey) {
        Set<String> wanted = new HashSet<>(placeOrKey);
        List<ConsumerRecord<byte[], byte[]>> read = kafka.readUntil(
                List.of(OUTCOMES),
                Duration.ofMinutes(3),
                records -> seen(records, wanted).containsAll(wanted));
        Map<String, ConsumerRecord<byte[], byte[]>> events = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> event : read) {
            String id = KafkaProbe.key(event);
            if (!wanted.contains(id)) continue;
            assertThat(events.put(id, event)).as("two outcome events for " + id).isNull();
        }
        assertThat(events.keySet()).containsExactlyInAnyOrderElementsOf(wanted);
        return events;
    }

    private static Set<String> seen(Collection<ConsumerRecord<byte[], byte[]>> records, Set<String> wanted) {
        return records.stream().map(KafkaProbe::key).filter(wanted::contains).collect(Collectors.toSet());
    }

    /** The run's dead letters by key, each once. */
    private Map<String, ConsumerRecord<byte[], byte[]>> deadLetters(String run) {
        Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaProbe.readToEnd(infra.bootstrapServers, DEAD_LETTERS, Duration.ofSeconds(30))) {
            String key = KafkaProbe.key(r);
            if (key == null || !key.startsWith(run + "-")) continue;
            assertThat(dead.put(key, r)).as("dead-lettered twice: " + key).isNull();
        }
        return dead;
    }

    private static String code(Map<String, ConsumerRecord<byte[], byte[]>> dead, String key) {
        ConsumerRecord<byte[], byte[]> record = dead.get(key);
        assertThat(record).as("dead letter of " + key).isNotNull();
        return KafkaProbe.header(record, "remit.error.code");
    }

    private String status(String requestId) {
        return jdbc.queryForObject("select status from command_outcome where request_id = ?", String.class, requestId);
    }

    /** The group's committed offsets reach the end of every partition of the commands topic. */
    private static void awaitCommittedToEnd() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers))) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                        for (int p = 0; p < 3; p++) latest.put(new TopicPartition(COMMANDS, p), OffsetSpec.latest());
                        Map<TopicPartition, Long> ends = new HashMap<>();
                        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
                        Map<TopicPartition, Long> committed = new HashMap<>();
                        ends.keySet()
                                .forEach(tp ->
                                        committed.put(tp, 0L)); // a partition nothing was written to commits nothing
                        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                                .partitionsToOffsetAndMetadata()
                                .get();
                        offsets.forEach((tp, o) -> {
                            if (tp.topic().equals(COMMANDS) && o != null) committed.put(tp, o.offset());
                        });
                        assertThat(committed).isEqualTo(ends);
                    });
        }
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        for (int i = 0; i < length; i++) if (random.nextInt(8) == 0) bytes[i] = 0;
        return bytes;
    }

    /** Random characters, NULs, controls, surrogates (paired and not) and emoji among them. */
    static String randomText(Random random, int maxLength) {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(maxLength + 1); i > 0; i--) {
            switch (random.nextInt(8)) {
                case 0 -> text.append('\u0000');
                case 1 -> text.append((char) random.nextInt(0x20));
                case 2 -> text.append((char) (0xD800 + random.nextInt(0x800)));
                case 3 -> text.appendCodePoint(0x1F600 + random.nextInt(50));
                case 4 -> text.append((char) random.nextInt(0x10000));
                default -> text.append((char) ('a' + random.nextInt(26)));
            }
        }
        return text.toString();
    }

    // ------------------------------------------------------------------ the API

    /** An API that answers as the requestId asks, and at random for the generated commands; it records each request's path. */
    static final class HostileApi {
        private static final Pattern REQUEST = Pattern.compile("\"requestId\":\"([^\"]+)\"");
        private static final JsonMapper JSON = JsonMapper.builder().build();
        final HttpServer server;
        final Map<String, String> pathByRequestId = new ConcurrentHashMap<>();
        final Set<String> paths = ConcurrentHashMap.newKeySet();
        volatile int randomAnswers;

        HostileApi() {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", this::answer);
            server.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        String requestedFor(String requestId) {
            return pathByRequestId.get(requestId);
        }

        private void answer(HttpExchange exchange) throws IOException {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String path = exchange.getRequestURI().getRawPath();
                paths.add(path);
                Matcher m = REQUEST.matcher(new String(body, StandardCharsets.UTF_8));
                String requestId = m.find() ? m.group(1) : "";
                pathByRequestId.put(requestId, path);
                if (requestId.isEmpty()) {
                    reply(exchange, 400, "{\"error\":\"VALIDATION_ERROR\"}".getBytes(StandardCharsets.UTF_8));
                } else if (requestId.endsWith("-answer-big-ok")) {
                    big(exchange, 201);
                } else if (requestId.endsWith("-answer-big-422")) {
                    big(exchange, 422);
                } else if (requestId.endsWith("-answer-nul-code")) {
                    reply(exchange, 422, json(Map.of("error", "BAD\u0000CODE", "message", "no")));
                } else if (requestId.endsWith("-answer-long-code")) {
                    reply(exchange, 422, json(Map.of("error", "X".repeat(300), "message", "long")));
                } else if (requestId.endsWith("-answer-nul-id")) {
                    reply(exchange, 201, json(Map.of("id", "inv_\u0000x")));
                } else if (requestId.endsWith("-answer-nul-message")) {
                    reply(exchange, 422, json(Map.of("error", "INVALID", "message", "line one\u0000line two")));
                } else if (requestId.startsWith("gen-") && requestId.endsWith("-random")) {
                    randomAnswers++;
                    random(exchange, new Random(requestId.hashCode()));
                } else {
                    reply(exchange, 201, json(Map.of("id", "inv_" + Math.abs(requestId.hashCode()))));
                }
            }
        }

        private static void random(HttpExchange exchange, Random random) throws IOException {
            int status = List.of(200, 201, 400, 404, 409, 422, 500, 503).get(random.nextInt(8));
            byte[] body = switch (random.nextInt(4)) {
                case 0 -> randomBytes(random, random.nextInt(300));
                case 1 -> new byte[0];
                default -> {
                    Map<String, Object> json = new HashMap<>();
                    json.put("error", randomText(random, random.nextInt(3) == 0 ? 300 : 20));
                    json.put("message", randomText(random, 200));
                    json.put("id", randomText(random, 30));
                    yield HostileApi.json(json);
                }
            };
            reply(exchange, status, body);
        }

        private static byte[] json(Map<String, ?> value) {
            return JSON.writeValueAsBytes(value);
        }

        private static void big(HttpExchange exchange, int status) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, 0); // chunked: no length announced
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("{\"id\":\"inv_big\",\"error\":\"TOO_BIG\",\"padding\":\"".getBytes(StandardCharsets.UTF_8));
                byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < 160; i++) out.write(chunk); // 10 MB
                out.write("\"}".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // remit stops reading past its limit and drops the connection
            }
        }

        private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) exchange.getResponseBody().write(body);
        }
    }
}
