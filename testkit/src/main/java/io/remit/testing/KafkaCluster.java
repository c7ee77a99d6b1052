package io.remit.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A KRaft Kafka cluster of one or more nodes, each a broker and a controller in its own JVM, from the test classpath, on
 * fixed ports and kept log directories, so that a node can be killed and started again with its data. With several
 * nodes, internal topics are replicated three ways with {@code min.insync.replicas=2}, as in production.
 *
 * <p>Clients reach each node through a {@link SilentProxy} (the address the node advertises), so that the network
 * between clients and brokers can fall silent ({@link #silence}); the nodes talk to each other directly. With a
 * {@link SelfSignedTls}, the clients' listener speaks TLS only.
 */
public final class KafkaCluster implements AutoCloseable {
    private final List<JavaProcess> nodes = new ArrayList<>();
    private final List<SilentProxy> proxies = new ArrayList<>();
    private final SelfSignedTls tls;

    public KafkaCluster(Path dir, int size) throws IOException, InterruptedException {
        this(dir, size, null);
    }

    /** With {@code tls} not null, clients must speak TLS and trust its certificate. */
    public KafkaCluster(Path dir, int size, SelfSignedTls tls) throws IOException, InterruptedException {
        this.tls = tls;
        int replicas = Math.min(3, size);
        List<int[]> ports = new ArrayList<>(); // client, internal, controller
        for (int i = 0; i < size; i++) ports.add(new int[] {Ports.free(), Ports.free(), Ports.free()});
        String voters = java.util.stream.IntStream.range(0, size)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + ports.get(i)[2])
                .collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        List<String> jvm = List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        for (int i = 0; i < size; i++) {
            int[] p = ports.get(i);
            SilentProxy proxy = new SilentProxy("127.0.0.1", p[0]);
            proxies.add(proxy);
            Path home = Files.createDirectories(dir.resolve("node-" + (i + 1)));
            Path config = home.resolve("server.properties");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "process.roles=broker,controller",
                            "node.id=" + (i + 1),
                            "controller.quorum.voters=" + voters,
                            "listeners=CLIENT://127.0.0.1:" + p[0] + ",INTERNAL://127.0.0.1:" + p[1]
                                    + ",CONTROLLER://127.0.0.1:" + p[2],
                            "advertised.listeners=CLIENT://127.0.0.1:" + proxy.port() + ",INTERNAL://127.0.0.1:" + p[1],
                            "controller.listener.names=CONTROLLER",
                            "listener.security.protocol.map=CLIENT:" + (tls == null ? "PLAINTEXT" : "SSL")
                                    + ",INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
                            tls == null ? "" : tls.brokerProperties("listener.name.client."),
                            "inter.broker.listener.name=INTERNAL",
                            "log.dirs=" + home.resolve("data"),
                            "offsets.topic.replication.factor=" + replicas,
                            "offsets.topic.num.partitions=6",
                            "transaction.state.log.replication.factor=" + replicas,
                            "transaction.state.log.min.isr=" + Math.min(2, replicas),
                            "transaction.state.log.num.partitions=6",
                            "min.insync.replicas=" + Math.min(2, replicas),
                            "default.replication.factor=" + replicas,
                            "group.initial.rebalance.delay.ms=0",
                            "auto.create.topics.enable=false",
                            // group.protocol=consumer: its session is the broker's, as short as the classic one's here
                            "group.consumer.min.session.timeout.ms=6000",
                            "group.consumer.session.timeout.ms=6000",
                            "group.consumer.min.heartbeat.interval.ms=1000",
                            "group.consumer.heartbeat.interval.ms=1000",
                            ""));
            JavaProcess format = new JavaProcess(
                    "kafka-format-" + (i + 1),
                    "kafka.tools.StorageTool",
                    jvm,
                    List.of("format", "-t", clusterId, "-c", config.toString()),
                    home.resolve("format.log"));
            format.start();
            while (format.isAlive()) Thread.sleep(100);
            nodes.add(new JavaProcess(
                    "kafka-" + (i + 1), "kafka.Kafka", jvm, List.of(config.toString()), home.resolve("kafka.log")));
        }
        nodes.forEach(JavaProcess::start);
        awaitNodes(size, Duration.ofSeconds(90));
    }

    public int size() {
        return nodes.size();
    }

    /** What clients are given: every node's advertised (proxied) address. */
    public String bootstrapServers() {
        return proxies.stream().map(p -> "127.0.0.1:" + p.port()).collect(Collectors.joining(","));
    }

    /** SIGKILL of node {@code id} (1-based). */
    public void kill(int id) {
        nodes.get(id - 1).kill();
    }

    /** Starts node {@code id} again and waits until the cluster lists every node. */
    public void start(int id) throws InterruptedException {
        nodes.get(id - 1).start();
        awaitNodes(nodes.size(), Duration.ofSeconds(90));
    }

    /** Stops (true) or resumes (false) all traffic between clients and brokers, with no reset. */
    public void silence(boolean silent) {
        proxies.forEach(p -> p.silence(silent));
    }

    /** The node leading {@code partition}. */
    public int leaderOf(TopicPartition partition) throws ExecutionException, InterruptedException {
        try (Admin admin = admin()) {
            return admin.describeTopics(Set.of(partition.topic()))
                    .allTopicNames()
                    .get()
                    .get(partition.topic())
                    .partitions()
                    .get(partition.partition())
                    .leader()
                    .id();
        }
    }

    /**
     * The transaction coordinator of a random transactional producer (the workers' are the only ones), or node 1 when
     * none is listed; asked again for up to 60 s while a node that has just restarted does not answer.
     */
    public int coordinatorOfATransaction() throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Admin admin = admin()) {
                List<String> ids = admin.listTransactions().all().get().stream()
                        .map(TransactionListing::transactionalId)
                        .toList();
                if (ids.isEmpty()) return 1;
                return admin.describeTransactions(List.of(ids.get(new java.util.Random().nextInt(ids.size()))))
                        .all()
                        .get()
                        .values()
                        .iterator()
                        .next()
                        .coordinatorId();
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) throw e;
                Thread.sleep(1000);
            }
        }
    }

    public List<Path> logs() {
        return nodes.stream().map(JavaProcess::log).toList();
    }

    /** What a client of this cluster needs: the bootstrap servers, and TLS's settings where it has TLS. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> properties = new java.util.HashMap<>();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        if (tls != null) properties.putAll(tls.clientProperties());
        return properties;
    }

    private Admin admin() {
        return admin(10_000, 5_000);
    }

    private Admin admin(int apiTimeoutMs, int requestTimeoutMs) {
        Map<String, Object> properties = clientProperties();
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, apiTimeoutMs);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
        return Admin.create(properties);
    }

    private void awaitNodes(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin(2000, 2000)) {
                java.util.Collection<Node> live =
                        admin.describeCluster().nodes().get();
                if (live.size() >= count) return;
            } catch (ExecutionException e) {
                // not answering yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Kafka did not start " + count + " nodes in " + timeout + "; see " + logs());
    }

    @Override
    public void close() {
        nodes.forEach(JavaProcess::kill);
        proxies.forEach(SilentProxy::close);
    }
}
