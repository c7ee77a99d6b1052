package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.remit.InvalidConfigurationException;
import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;
import io.remit.testing.Infrastructure;
import io.remit.testing.Ports;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** remit's topics on a real broker: created when missing, only checked when remit may not create them. */
class RemitTopicsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static EmbeddedKafkaKraftBroker broker;
    private static Admin kafka;

    @BeforeAll
    static void startBroker() {
        broker = Infrastructure.startEmbeddedKafka();
        kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
        broker.destroy();
    }

    @Test
    void createsTheMissingTopicsAndKeepsDeadLettersForTheirOwnRetention() throws Exception {
        String commands = unique();
        TopicsProperties properties = new TopicsProperties(
                commands, commands + ".dlq", 3, (short) 1, true, Duration.ofDays(45), "unused.outcomes", false);

        remitTopics(properties).ensure(TIMEOUT);

        List<String> wanted = List.of(commands, commands + ".retry.1s", commands + ".retry.2s", commands + ".dlq");
        assertThat(visible(wanted).values())
                .allSatisfy(topic -> assertThat(topic.partitions()).hasSize(3));
        assertThat(retentionMs(commands + ".dlq"))
                .isEqualTo(Long.toString(Duration.ofDays(45).toMillis()));
        assertThat(retentionMs(commands))
                .isEqualTo(Long.toString(Duration.ofDays(7).toMillis()));
    }

    @Test
    void leavesATopicThatExistsAsItIs() throws Exception {
        String commands = unique();
        create(List.of(new NewTopic(commands + ".dlq", 1, (short) 1)));
        TopicsProperties properties = new TopicsProperties(
                commands, commands + ".dlq", 3, (short) 1, true, Duration.ofDays(30), "unused.outcomes", false);

        remitTopics(properties).ensure(TIMEOUT);

        assertThat(visible(List.of(commands, commands + ".retry.1s", commands + ".retry.2s", commands + ".dlq"))
                        .get(commands + ".dlq")
                        .partitions())
                .hasSize(1);
        assertThat(retentionMs(commands + ".dlq"))
                .isEqualTo(Long.toString(Duration.ofDays(7).toMillis()));
    }

    @Test
    void onlyChecksWhenItMayNotCreateAndEveryTopicExists() throws Exception {
        String commands = unique();
        List<String> all = List.of(commands, commands + ".retry.1s", commands + ".retry.2s", commands + ".dlq");
        create(all.stream().map(name -> new NewTopic(name, 2, (short) 1)).toList());
        TopicsProperties properties = new TopicsProperties(
                commands, commands + ".dlq", 3, (short) 1, false, Duration.ofDays(30), "unused.outcomes", false);

        assertThatNoException().isThrownBy(() -> remitTopics(properties).ensure(TIMEOUT));
        assertThat(visible(all).values())
                .allSatisfy(topic -> assertThat(topic.partitions()).hasSize(2));
    }

    @Test
    void refusesToStartNamingTheMissingTopicsWhenItMayNotCreateThem() throws Exception {
        String commands = unique();
        create(List.of(new NewTopic(commands, 3, (short) 1), new NewTopic(commands + ".retry.1s", 3, (short) 1)));
        TopicsProperties properties = new TopicsProperties(
                commands, commands + ".dlq", 3, (short) 1, false, Duration.ofDays(30), "unused.outcomes", false);

        assertThatThrownBy(() -> remitTopics(properties).ensure(TIMEOUT))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("Kafka topics " + commands + ".dlq, " + commands
                        + ".retry.2s do not exist and remit.topics.create is false:"
                        + " create them (3 partitions each; the dead-letter topic with retention.ms=2592000000), or set"
                        + " remit.topics.create=true and grant remit's Kafka user CREATE on them");
        assertThat(kafka.listTopics().names().get()).doesNotContain(commands + ".dlq", commands + ".retry.2s");
    }

    @Test
    void aBrokerThatDoesNotAnswerIsNoVerdictSoTheCallerTriesAgain() {
        KafkaAdmin nowhere =
                new KafkaAdmin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + Ports.free()));
        TopicsProperties properties = new TopicsProperties(
                unique(), "nowhere.dlq", 3, (short) 1, false, Duration.ofDays(30), "unused.outcomes", false);

        assertThatThrownBy(() -> new RemitTopics(nowhere, properties, ladder(properties)).ensure(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kafka did not answer within PT1S");
    }

    static RemitTopics remitTopics(TopicsProperties properties) {
        KafkaAdmin admin =
                new KafkaAdmin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
        return new RemitTopics(admin, properties, ladder(properties));
    }

    static RetryLadder ladder(TopicsProperties properties) {
        return new RetryLadder(
                properties, new RetryProperties(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), 0.1, Map.of()));
    }

    /** Creates topics and returns once the broker describes them (a new topic takes a moment to show in its metadata). */
    private static void create(List<NewTopic> topics) throws Exception {
        kafka.createTopics(topics).all().get();
        visible(topics.stream().map(NewTopic::name).toList());
    }

    private static Map<String, TopicDescription> visible(List<String> names) {
        return await().atMost(TIMEOUT)
                .ignoreExceptions()
                .until(() -> kafka.describeTopics(names).allTopicNames().get(), all -> true);
    }

    private static String retentionMs(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return kafka.describeConfigs(List.of(resource))
                .all()
                .get()
                .get(resource)
                .get(TopicConfig.RETENTION_MS_CONFIG)
                .value();
    }

    private static String unique() {
        return "topics-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
