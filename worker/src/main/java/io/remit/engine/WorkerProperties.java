package io.remit.engine;

import io.remit.InvalidConfigurationException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How one remit instance consumes ({@code remit.worker.*}).
 *
 * @param instanceId         stable name of this instance; its Kafka transactional.id is
 *                           {@code remit-<instanceId>-<n>}, so a restarted instance fences its former self at once.
 *                           Defaults to the host name (the pod name on Kubernetes). Two live instances must never share it.
 * @param groupId            the consumer group of all instances
 * @param consumers          consumer threads per instance, each with its own consumer and transactional producer
 * @param maxPollRecords     the most records one poll returns
 * @param maxPendingRecords  per partition, the most records between its commit point and what is polled: a full window
 *                           pauses the partition (a slow call holds back its own partition, never the others)
 * @param maxPendingBytes    per partition, the most bytes of such records (heap stays flat whatever the backlog)
 * @param storeInterval      group commit: decisions are written to PostgreSQL in one transaction at least this often
 * @param commitInterval     how often commit points are committed to Kafka with the retry and dead-letter records they pass
 * @param shutdownTimeout    how long a stopping instance lets its in-flight batch finish before abandoning it uncommitted
 * @param transactionTimeout the Kafka transaction timeout; must exceed the longest batch
 * @param haltProbeInterval  while halted on 401/403, how often the API is asked whether it accepts the credentials again
 * @param staticMembership   join the group as a static member ({@code group.instance.id} = the client id), so an instance
 *                           restarted under the same id takes its partitions back without a rebalance (StatefulSets);
 *                           leave off where instance ids change on every start (Deployments)
 */
@ConfigurationProperties("remit.worker")
public record WorkerProperties(
        String instanceId,
        @DefaultValue("remit") String groupId,
        @DefaultValue("4") int consumers,
        @DefaultValue("500") int maxPollRecords,
        @DefaultValue("10000") int maxPendingRecords,
        @DefaultValue("8MB") DataSize maxPendingBytes,
        @DefaultValue("5ms") Duration storeInterval,
        @DefaultValue("100ms") Duration commitInterval,
        @DefaultValue("20s") Duration shutdownTimeout,
        @DefaultValue("60s") Duration transactionTimeout,
        @DefaultValue("30s") Duration haltProbeInterval,
        @DefaultValue("false") boolean staticMembership) {

    public WorkerProperties {
        if (instanceId == null || instanceId.isBlank()) instanceId = hostName();
        if (consumers < 1) throw new InvalidConfigurationException("remit.worker.consumers must be at least 1");
        if (maxPollRecords < 1)
            throw new InvalidConfigurationException("remit.worker.max-poll-records must be at least 1");
        if (maxPendingRecords < 1)
            throw new InvalidConfigurationException("remit.worker.max-pending-records must be at least 1");
        if (maxPendingBytes.toBytes() < 1)
            throw new InvalidConfigurationException("remit.worker.max-pending-bytes must be positive");
        if (storeInterval.isNegative() || commitInterval.isNegative() || commitInterval.isZero()) {
            throw new InvalidConfigurationException(
                    "remit.worker.store-interval must not be negative, commit-interval must be positive");
        }
    }

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) return host;
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            throw new InvalidConfigurationException("remit.worker.instance-id is not set and the host name is unknown");
        }
    }
}
