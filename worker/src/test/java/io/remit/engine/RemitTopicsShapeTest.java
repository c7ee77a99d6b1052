package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.remit.routing.RetryLadder;
import io.remit.routing.RetryProperties;
import io.remit.routing.TopicsProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaAdmin;

/** The topics remit would create: replicated three times or more, they need two in-sync copies for a write. */
class RemitTopicsShapeTest {
    @Test
    void topicsOfThreeReplicasOrMoreNeedTwoInSyncCopies() {
        assertThat(wanted((short) 3))
                .allSatisfy(topic ->
                        assertThat(topic.configs()).containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
    }

    @Test
    void topicsOfFewerReplicasKeepTheBrokersDefault() {
        for (short replicas : new short[] {1, 2})
            assertThat(wanted(replicas))
                    .allSatisfy(topic -> assertThat(topic.configs() == null ? Map.of() : topic.configs())
                            .doesNotContainKey(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
    }

    private static List<org.apache.kafka.clients.admin.NewTopic> wanted(short replicas) {
        TopicsProperties topics = new TopicsProperties("c", "c.dlq", 3, replicas);
        RetryLadder ladder =
                new RetryLadder(topics, new RetryProperties(List.of(Duration.ofSeconds(1)), 0.1, Map.of()));
        List<org.apache.kafka.clients.admin.NewTopic> wanted =
                new RemitTopics(new KafkaAdmin(Map.of()), topics, ladder).wanted();
        assertThat(wanted).hasSizeGreaterThanOrEqualTo(3);
        return wanted;
    }
}
