package io.remit.engine;

import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.remit.InvalidConfigurationException;
import io.remit.routing.TopicsProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * remit on a broker with ACLs where its user may not create topics (CREATE denied on the cluster
 * and on {@code acl.*}): it starts where its topics exist, and stops with one line where they do not.
 */
class RemitTopicsAclIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final String ANYONE = "User:ANONYMOUS";
    private static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void startBrokerWithoutTheCreateRight() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of(
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found", "true",
                "auto.create.topics.enable", "false"));
        broker.afterPropertiesSet();
        try (Admin admin = admin()) {
            List<String> present = List.of(
                    "acl.present", "acl.present.retry.1s", "acl.present.retry.2s", "acl.present.dlq", "acl.partial");
            admin.createTopics(present.stream()
                            .map(name -> new NewTopic(name, 1, (short) 1))
                            .toList())
                    .all()
                    .get();
            await().atMost(TIMEOUT)
                    .ignoreExceptions()
                    .until(() -> admin.describeTopics(present).allTopicNames().get(), all -> true);
            admin.createAcls(List.of(
                            acl(
                                    ResourceType.CLUSTER,
                                    "kafka-cluster",
                                    PatternType.LITERAL,
                                    AclOperation.ALL,
                                    AclPermissionType.ALLOW),
                            acl(
                                    ResourceType.CLUSTER,
                                    "kafka-cluster",
                                    PatternType.LITERAL,
                                    AclOperation.CREATE,
                                    AclPermissionType.DENY),
                            acl(
                                    ResourceType.TOPIC,
                                    "acl.",
                                    PatternType.PREFIXED,
                                    AclOperation.ALL,
                                    AclPermissionType.ALLOW),
                            acl(
                                    ResourceType.TOPIC,
                                    "acl.",
                                    PatternType.PREFIXED,
                                    AclOperation.CREATE,
                                    AclPermissionType.DENY)))
                    .all()
                    .get();
            // ACLs reach the authorizer through the metadata log: wait until a create is refused
            awaitRefused(admin);
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.destroy();
    }

    @Test
    void startsWhereItsTopicsExistThoughItMayNotCreateTopics() {
        TopicsProperties properties = new TopicsProperties(
                "acl.present", "acl.present.dlq", 1, (short) 1, true, Duration.ofDays(30), "unused.outcomes", false);

        assertThatNoException().isThrownBy(() -> remitTopics(properties).ensure(TIMEOUT));
    }

    @Test
    void stopsNamingTheMissingTopicsAndTheRightToGrantWhenKafkaRefusesToCreateThem() {
        TopicsProperties properties = new TopicsProperties(
                "acl.partial", "acl.partial.dlq", 1, (short) 1, true, Duration.ofDays(30), "unused.outcomes", false);

        assertThatThrownBy(() -> remitTopics(properties).ensure(TIMEOUT))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageStartingWith(
                        "Kafka topics acl.partial.dlq, acl.partial.retry.1s, acl.partial.retry.2s do not exist"
                                + " and Kafka refused remit the right to create them (TopicAuthorizationException): grant remit's Kafka user"
                                + " CREATE on these topics (or on the cluster), or create them")
                .hasMessageEndingWith("and set remit.topics.create=false");
    }

    private static RemitTopics remitTopics(TopicsProperties properties) {
        KafkaAdmin admin =
                new KafkaAdmin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
        return new RemitTopics(admin, properties, RemitTopicsIT.ladder(properties));
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
    }

    private static AclBinding acl(
            ResourceType type, String name, PatternType pattern, AclOperation operation, AclPermissionType permission) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern), new AccessControlEntry(ANYONE, "*", operation, permission));
    }

    private static void awaitRefused(Admin admin) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                admin.createTopics(List.of(new NewTopic("acl.probe", 1, (short) 1)))
                        .all()
                        .get();
                admin.deleteTopics(List.of("acl.probe")).all().get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TopicAuthorizationException) return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the broker never applied the ACLs");
    }
}
