package dev.cadc.core.topic;

import dev.cadc.core.format.WireFormat;
import java.util.List;
import java.util.Map;

/**
 * The topics of the wire contract with the settings CADC creates them with (see
 * {@code schemas/README.md}). Curriculum and capabilities are compacted and keyed by run id, so the
 * newest version of each run survives; sketches and dead letters are plain logs.
 */
public final class CadcTopics {

    public static final String SKETCHES = WireFormat.TOPIC_SKETCHES;
    public static final String CURRICULUM = WireFormat.TOPIC_CURRICULUM;
    public static final String CAPABILITIES = WireFormat.TOPIC_CAPABILITIES;
    public static final String DEAD_LETTER = WireFormat.TOPIC_DEAD_LETTER;
    /**
     * Optional, compacted, key = run id: a JSON catalogue of the run's probes as the trainer describes
     * them ({@code {"run_id": ..., "probes": {"<id>": "<text>"}}}), so that people can see what each
     * discovered capability is made of. Curation never reads it.
     */
    public static final String PROBES = "cadc.probes";

    /** Largest record on CADC's topics; publishers split sketch batches below it. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    /** Partitions of {@code cadc.sketches} when CADC creates it: runs spread over them by key. */
    public static final int DEFAULT_SKETCH_PARTITIONS = 4;

    private CadcTopics() {}

    /** All of CADC's topics, sketches with {@code sketchPartitions} partitions. */
    public static List<TopicSpec> all(int sketchPartitions) {
        Map<String, String> large = Map.of("max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        Map<String, String> compactedLarge = Map.of(
                "cleanup.policy", "compact",
                "max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        return List.of(
                new TopicSpec(SKETCHES, sketchPartitions, large),
                new TopicSpec(CURRICULUM, 1, compactedLarge),
                new TopicSpec(CAPABILITIES, 1, compactedLarge),
                new TopicSpec(DEAD_LETTER, 1, large),
                new TopicSpec(PROBES, 1, compactedLarge));
    }

    /**
     * The topic names of one team: every name with {@code prefix} in front (empty: the names above).
     * Kafka ACLs apply to topics, not keys, so teams that share a cluster are kept apart by a prefix
     * and prefixed ACLs (docs/security.md).
     */
    public record Names(String prefix, String sketches, String curriculum, String capabilities, String deadLetter, String probes)
            implements java.io.Serializable {

        /** The topic of {@code name} (one of the logical names above, or another topic) under this prefix. */
        public String of(String name) {
            return prefix + name;
        }

        /** All of CADC's topics under this prefix, sketches with {@code sketchPartitions} partitions. */
        public List<TopicSpec> specs(int sketchPartitions) {
            return all(sketchPartitions).stream()
                    .map(spec -> new TopicSpec(prefix + spec.name(), spec.partitions(), spec.configs()))
                    .toList();
        }
    }

    /** Characters a topic prefix may use (those Kafka allows in topic names). */
    public static final String PREFIX_PATTERN = "[A-Za-z0-9._-]{0,100}";

    /**
     * The names under {@code prefix}.
     *
     * @throws IllegalArgumentException when the prefix has characters Kafka does not allow in topic names
     */
    public static Names withPrefix(String prefix) {
        String p = prefix == null ? "" : prefix;
        if (!p.matches(PREFIX_PATTERN)) {
            throw new IllegalArgumentException("topic prefix '" + p + "' may use only letters, digits, '.', '_' and '-' (at most 100)");
        }
        return new Names(p, p + SKETCHES, p + CURRICULUM, p + CAPABILITIES, p + DEAD_LETTER, p + PROBES);
    }
}
