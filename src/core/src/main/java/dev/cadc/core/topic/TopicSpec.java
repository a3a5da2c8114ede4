package dev.cadc.core.topic;

import java.util.Map;

/**
 * A topic CADC creates when it is missing: its name, partition count and topic-level configs
 * (compaction, {@code max.message.bytes}). Kafka-free, so that the trainer side and the Flink job
 * create topics from the same definitions.
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name is required");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + " needs >= 1 partition, got " + partitions);
        }
        configs = Map.copyOf(configs);
    }
}
