package dev.cadc.core.topic;

import java.util.HashMap;
import java.util.Map;

/**
 * A topic CADC creates when it is missing: its name, partition count, replication factor and
 * topic-level configs (compaction, {@code max.message.bytes}, {@code min.insync.replicas}). Kafka-free,
 * so that the trainer side and the Flink job create topics from the same definitions.
 *
 * @param replicationFactor replicas of each partition; {@link #BROKER_DEFAULT} leaves it to the
 *     cluster's {@code default.replication.factor}
 */
public record TopicSpec(String name, int partitions, int replicationFactor, Map<String, String> configs) {

    /** A replication factor (or min ISR) of 0: the cluster's own default. */
    public static final int BROKER_DEFAULT = 0;

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name is required");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + " needs >= 1 partition, got " + partitions);
        }
        if (replicationFactor < 0 || replicationFactor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("topic " + name + ": replication factor must be >= 1, or 0 for the"
                    + " cluster's default, got " + replicationFactor);
        }
        configs = Map.copyOf(configs);
    }

    /** A topic with the cluster's default replication factor. */
    public TopicSpec(String name, int partitions, Map<String, String> configs) {
        this(name, partitions, BROKER_DEFAULT, configs);
    }

    /**
     * This topic with {@code replicationFactor} replicas and, unless {@code minInsyncReplicas} is
     * {@link #BROKER_DEFAULT}, that {@code min.insync.replicas} (writes with {@code acks=all} then need
     * that many replicas in sync: with 3 and 2, one broker may fail without stopping or losing writes).
     */
    public TopicSpec withReplication(int replicationFactor, int minInsyncReplicas) {
        if (minInsyncReplicas < 0 || (replicationFactor > 0 && minInsyncReplicas > replicationFactor)) {
            throw new IllegalArgumentException("topic " + name + ": min.insync.replicas must be 0 (the cluster's default) or"
                    + " 1..replication factor (" + replicationFactor + "), got " + minInsyncReplicas);
        }
        Map<String, String> withMinInsync = new HashMap<>(configs);
        if (minInsyncReplicas != BROKER_DEFAULT) {
            withMinInsync.put("min.insync.replicas", String.valueOf(minInsyncReplicas));
        }
        return new TopicSpec(name, partitions, replicationFactor, withMinInsync);
    }
}
