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
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + topics + " still have partitions without a leader 30 s after creation");
            }
            Thread.sleep(50);
        }
    }
}
