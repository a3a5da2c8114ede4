package dev.cadc.client;

import dev.cadc.core.topic.TopicSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates CADC's topics when they are missing; leaves existing topics as they are. */
public final class KafkaTopicAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopicAdmin.class);

    private KafkaTopicAdmin() {}

    /**
     * Creates every topic in {@code specs} that does not exist yet, with its replication factor, or the
     * one the cluster chooses (its {@code default.replication.factor}) for {@link TopicSpec#BROKER_DEFAULT}.
     *
     * @param clientConfig Kafka client properties ({@code bootstrap.servers}, security settings, ...)
     */
    public static void ensureTopics(Map<String, Object> clientConfig, List<TopicSpec> specs) {
        try (Admin admin = Admin.create(clientConfig)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = specs.stream()
                    .filter(spec -> !existing.contains(spec.name()))
                    .map(spec -> new NewTopic(spec.name(), java.util.Optional.of(spec.partitions()),
                            spec.replicationFactor() == TopicSpec.BROKER_DEFAULT
                                    ? java.util.Optional.empty()
                                    : java.util.Optional.of((short) spec.replicationFactor()))
                            .configs(spec.configs()))
                    .toList();
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get();
                    LOG.info("created topic {}", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
        } catch (ExecutionException e) {
            // A broker that requires TLS or SASL drops a client without its settings: the admin only times out.
            String hint = e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException
                    ? "; is a broker running there, and if it requires TLS or authentication, are its client settings"
                            + " given (--kafka-config FILE)?"
                    : "";
            throw new IllegalStateException("cannot create topics "
                    + specs.stream().map(TopicSpec::name).collect(Collectors.joining(", "))
                    + " at " + clientConfig.get("bootstrap.servers") + ": " + e.getCause().getMessage() + hint, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits (up to 30 s) until every partition of the new topics has a leader: a producer that picks
     * partitions itself (a spread run) may otherwise send to a partition whose leader is still being
     * elected, and a record that finds none until its delivery timeout is lost to the publisher.
     */
    private static void awaitLeaders(Admin admin, List<String> topics) throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (true) {
            boolean ready = true;
            try {
                for (var description : admin.describeTopics(topics).allTopicNames().get().values()) {
                    ready &= description.partitions().stream().allMatch(partition -> partition.leader() != null);
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false;
            }
            if (ready) {
                awaitLeaderLogs(admin, topics, deadline);
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + topics + " still have partitions without a leader 30 s after creation");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Waits until every leader has created its partitions' logs, that is, has applied the topics'
     * creation and takes writes. The controller names a leader before that broker has applied it; an
     * idempotent producer whose first request to a new partition meets that moment gets
     * NOT_LEADER_OR_FOLLOWER, its next request (later sequence numbers) is appended, and the retry of
     * the first then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout loses it
     * (KAFKA-15591, fixed in later brokers than the 4.2 line this project runs; seen here as a publisher
     * stuck for 120 s on a topic created a moment before). Where the client may not describe log
     * directories (an ACL without Cluster Describe), it does not wait.
     */
    private static void awaitLeaderLogs(Admin admin, List<String> topics, long deadline)
            throws InterruptedException, ExecutionException {
        while (true) {
            boolean ready;
            try {
                ready = leadersHaveLogs(admin, topics);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.ClusterAuthorizationException
                        || e.getCause() instanceof org.apache.kafka.common.errors.UnsupportedVersionException) {
                    return;
                }
                // Metadata still travelling between brokers: not ready yet.
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false;
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("topics {}: some leaders have not created their partitions' logs 30 s after creation; going on", topics);
                return;
            }
            Thread.sleep(20);
        }
    }

    /** Whether every partition of {@code topics} has a leader that holds its log. */
    private static boolean leadersHaveLogs(Admin admin, List<String> topics) throws InterruptedException, ExecutionException {
        Map<Integer, Set<org.apache.kafka.common.TopicPartition>> byLeader = new java.util.HashMap<>();
        for (var description : admin.describeTopics(topics).allTopicNames().get().values()) {
            for (var partition : description.partitions()) {
                if (partition.leader() == null) {
                    return false;
                }
                byLeader.computeIfAbsent(partition.leader().id(), id -> new java.util.HashSet<>())
                        .add(new org.apache.kafka.common.TopicPartition(description.name(), partition.partition()));
            }
        }
        Map<Integer, Map<String, org.apache.kafka.clients.admin.LogDirDescription>> dirs =
                admin.describeLogDirs(byLeader.keySet()).allDescriptions().get();
        for (var leader : byLeader.entrySet()) {
            Set<org.apache.kafka.common.TopicPartition> present = new java.util.HashSet<>();
            dirs.getOrDefault(leader.getKey(), Map.of()).values()
                    .forEach(dir -> present.addAll(dir.replicaInfos().keySet()));
            if (!present.containsAll(leader.getValue())) {
                return false;
            }
        }
        return true;
    }
}
