package io.remit.engine;

import io.remit.InvalidConfigurationException;
import io.remit.routing.RetryLadder;
import io.remit.routing.TopicsProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Makes sure remit's topics exist before it consumes: the commands topic, one retry topic per tier
 * and the dead-letter topic. There are three outcomes: every topic exists (it is left as it is);
 * the missing ones are created, when {@code remit.topics.create} is true and Kafka lets remit
 * (the dead-letter topic kept {@code remit.topics.dead-letter-retention}); or start-up stops with an
 * {@link InvalidConfigurationException} whose one line names the missing topics and the right to grant.
 * Existing topics are described, never created again, so a user without the CREATE right starts
 * where its topics exist. A broker that does not answer is no verdict: that is an
 * {@link IllegalStateException}, and the caller tries again.
 */
public final class RemitTopics {
    private static final Logger log = LoggerFactory.getLogger(RemitTopics.class);

    private final KafkaAdmin admin;
    private final TopicsProperties topics;
    private final RetryLadder ladder;

    /** {@code admin} is Boot's (its configuration carries {@code spring.kafka.*}, SSL bundle included). */
    public RemitTopics(KafkaAdmin admin, TopicsProperties topics, RetryLadder ladder) {
        this.admin = admin;
        this.topics = topics;
        this.ladder = ladder;
    }

    /** The topics remit needs, as it would create them. */
    public List<NewTopic> wanted() {
        List<NewTopic> wanted = new ArrayList<>();
        wanted.add(topic(topics.commands()).build());
        ladder.tiers().forEach(tier -> wanted.add(topic(tier.topic()).build()));
        if (topics.outcomeEvents()) wanted.add(topic(topics.outcomes()).build());
        wanted.add(topic(topics.deadLetter())
                .config(
                        TopicConfig.RETENTION_MS_CONFIG,
                        Long.toString(topics.deadLetterRetention().toMillis()))
                .build());
        return wanted;
    }

    /** Returns once every topic exists; each wait for Kafka lasts at most {@code timeout}. */
    public void ensure(Duration timeout) throws InterruptedException {
        List<NewTopic> wanted = wanted();
        Admin client = Admin.create(admin.getConfigurationProperties());
        try {
            Set<String> missing =
                    missing(client, wanted.stream().map(NewTopic::name).toList(), timeout);
            if (missing.isEmpty()) return;
            if (!topics.create()) throw new InvalidConfigurationException(notCreating(missing));
            Set<String> refused = create(
                    client,
                    wanted.stream().filter(t -> missing.contains(t.name())).toList(),
                    timeout);
            if (refused.isEmpty()) return;
            // Refused, but another instance (or an operator) may have created them meanwhile.
            Set<String> stillMissing = missing(client, refused, timeout);
            if (!stillMissing.isEmpty()) throw new InvalidConfigurationException(refusedToCreate(stillMissing));
        } finally {
            client.close(timeout);
        }
    }

    private Set<String> missing(Admin client, Collection<String> names, Duration timeout) throws InterruptedException {
        Set<String> missing = new TreeSet<>();
        Set<String> hidden = new TreeSet<>();
        for (var described : client.describeTopics(names).topicNameValues().entrySet()) {
            try {
                await(described.getValue(), timeout, "describing topic " + described.getKey());
            } catch (ExecutionException e) {
                Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
                switch (cause) {
                    case UnknownTopicOrPartitionException _ -> missing.add(described.getKey());
                    case TopicAuthorizationException _ -> hidden.add(described.getKey());
                    default ->
                        throw new IllegalStateException(
                                "cannot describe topic " + described.getKey() + ": " + cause.getMessage(), cause);
                }
            }
        }
        if (!hidden.isEmpty()) throw new InvalidConfigurationException(mayNotDescribe(hidden));
        return missing;
    }

    /** Creates {@code missing}; returns those Kafka refused for want of the CREATE right. */
    private Set<String> create(Admin client, List<NewTopic> missing, Duration timeout) throws InterruptedException {
        Set<String> refused = new TreeSet<>();
        for (var created : client.createTopics(missing).values().entrySet()) {
            String name = created.getKey();
            try {
                await(created.getValue(), timeout, "creating topic " + name);
                log.info("created Kafka topic {}", name);
            } catch (ExecutionException e) {
                Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
                switch (cause) {
                    case TopicExistsException _ -> log.debug("topic {} was created meanwhile", name);
                    case TopicAuthorizationException _, ClusterAuthorizationException _ -> refused.add(name);
                    case PolicyViolationException _, InvalidTopicException _ ->
                        throw new InvalidConfigurationException(
                                "Kafka refuses to create topic " + name + ": " + cause.getMessage());
                    default ->
                        throw new IllegalStateException(
                                "cannot create topic " + name + ": " + cause.getMessage(), cause);
                }
            }
        }
        return refused;
    }

    private <T> T await(KafkaFuture<T> future, Duration timeout, String what)
            throws ExecutionException, InterruptedException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka did not answer within " + timeout + " " + what + " (spring.kafka.bootstrap-servers="
                            + admin.getConfigurationProperties().get("bootstrap.servers") + ")",
                    e);
        }
    }

    /**
     * A topic as remit creates it. With three replicas or more it is created with {@code min.insync.replicas} 2: a
     * committed transaction holds the only copy of a retry or a dead letter (its source offset is committed with it), so
     * acks=all must mean two copies, not a leader left alone in its ISR (the broker's default is 1). With two replicas it
     * keeps the broker's default: 2 would stop every write while one broker restarts.
     */
    private TopicBuilder topic(String name) {
        TopicBuilder topic =
                TopicBuilder.name(name).partitions(topics.partitions()).replicas(topics.replicationFactor());
        if (twoInSync()) topic.config(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2");
        return topic;
    }

    /** Whether the topics need two in-sync replicas for a write: with three replicas or more (see {@link #topic}). */
    private boolean twoInSync() {
        return topics.replicationFactor() >= 3;
    }

    private String notCreating(Set<String> missing) {
        return "Kafka topics " + String.join(", ", missing)
                + " do not exist and remit.topics.create is false: create them (" + shape()
                + "), or set remit.topics.create=true and grant remit's Kafka user CREATE on them";
    }

    private String refusedToCreate(Set<String> missing) {
        return "Kafka topics " + String.join(", ", missing)
                + " do not exist and Kafka refused remit the right to create them"
                + " (TopicAuthorizationException): grant remit's Kafka user CREATE on these topics (or on the cluster),"
                + " or create them (" + shape() + ") and set remit.topics.create=false";
    }

    private static String mayNotDescribe(Set<String> hidden) {
        return "Kafka refused remit's user the right to DESCRIBE topics " + String.join(", ", hidden)
                + " (TopicAuthorizationException): grant it DESCRIBE and READ on the commands and retry topics"
                + " and DESCRIBE and WRITE on the retry and dead-letter topics";
    }

    private String shape() {
        return topics.partitions() + " partitions each"
                + (twoInSync()
                        ? ", replication factor " + topics.replicationFactor() + " and min.insync.replicas=2"
                        : "")
                + "; the dead-letter topic with retention.ms="
                + topics.deadLetterRetention().toMillis();
    }
}
