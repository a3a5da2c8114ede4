package dev.cadc.flink.config;

import dev.cadc.core.topic.CadcTopics;
import dev.cadc.core.curriculum.CurationParameters;
import dev.cadc.core.curriculum.CuratorConfig;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Every parameter of the CADC job, declared once with its name, default, description and validation
 * (flink-ml's {@code Params} pattern). Values come from a YAML file ({@code --config}) and then from
 * {@code --name value} flags, which win; unknown names are rejected. Read once in {@code main} and
 * handed to operator constructors, which keep it as a final field.
 */
public final class JobConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    /** One parameter: how to parse and check it, and where it goes. */
    private record Param(String name, String defaultValue, String description,
            BiConsumer<JobConfig, String> apply) {}

    private static final List<Param> PARAMS = new ArrayList<>();

    static {
        param("bootstrap", "127.0.0.1:9092", "Kafka bootstrap servers.", (c, v) -> c.bootstrap = nonBlank("bootstrap", v));
        param("kafka-config", "", "A Java Kafka client properties file (security settings and the like) passed to the source, the sink and the topic admin unchanged; empty: none.",
                (c, v) -> c.kafkaProperties = kafkaProperties(v));
        param("topic-prefix", "", "Put in front of every topic name the job reads and writes, of its consumer group id and of its transactional ids (e.g. team-a.): a team's prefixed Kafka ACLs then cover all of it; empty: none.",
                (c, v) -> c.topics = topicNames(v));
        param("sketches-topic", "cadc.sketches", "Topic the sketches come from.", (c, v) -> c.sketchesTopic = nonBlank("sketches-topic", v));
        param("group-id", "cadc-curation-job", "Consumer group id (offsets are tracked in Flink checkpoints).", (c, v) -> c.groupId = nonBlank("group-id", v));
        param("bounded", "false", "Read up to the offsets that are newest at start, finish every checkpoint, commit and exit.",
                (c, v) -> c.bounded = bool("bounded", v));
        param("parallelism", "1", "Job parallelism (>= 1).", (c, v) -> c.parallelism = intAtLeast("parallelism", v, 1));
        param("checkpoint-interval-ms", "2000", "Flink checkpoint interval; the exactly-once sink commits at each checkpoint.",
                (c, v) -> c.checkpointIntervalMs = longAtLeast("checkpoint-interval-ms", v, 100));
        param("backlog-checkpoint-interval-ms", "30000", "Flink checkpoint interval while the job catches up after a start or restart, until every source reader has read a record at most source-idle-ms old, found nothing to read for that long, or reached the end of a bounded input; at most 300000 (the sink's transactions time out after 10 minutes); equal to checkpoint-interval-ms, as when that is set larger and this is not: no catching-up mode.",
                (c, v) -> c.backlogCheckpointIntervalMs = longAtLeast("backlog-checkpoint-interval-ms", v, 100));
        param("state-backend", "hashmap", "Keyed state backend: hashmap (heap) or rocksdb.", (c, v) -> c.stateBackend = oneOf("state-backend", v, "hashmap", "rocksdb"));
        param("grace-ms", "30000", "How long (event time: Kafka record timestamps) missing rows of an announced checkpoint, and records waiting for their run-start, are awaited.",
                (c, v) -> c.graceMs = longAtLeast("grace-ms", v, 0));
        param("run-ttl-ms", "86400000", "A run idle this long (event time) is released, its open checkpoints dropped; later records of it are RUN_ENDED dead letters.",
                (c, v) -> c.runTtlMs = longAtLeast("run-ttl-ms", v, 1));
        param("source-idle-ms", "5000", "A source reader with nothing to read for this long lets event time go on from its newest record at clock speed (this much behind); a bounded job never idles.",
                (c, v) -> c.sourceIdleMs = longAtLeast("source-idle-ms", v, 1));
        param("replication-factor", "0", "Replicas of each topic the job creates when it is missing; 0: the cluster's default.replication.factor (1 on `cadc broker`, 3 on `cadc broker --cluster 3`).",
                (c, v) -> c.replicationFactor = intAtLeast("replication-factor", v, 0));
        param("min-insync-replicas", "0", "min.insync.replicas of each topic the job creates (with 3 replicas, 2 lets one broker fail without stopping or losing writes); 0: the cluster's default.",
                (c, v) -> c.minInsyncReplicas = intAtLeast("min-insync-replicas", v, 0));
        param("transactional-id-prefix", "cadc-curation", "Prefix of the exactly-once sink's transactional ids.",
                (c, v) -> c.transactionalIdPrefix = nonBlank("transactional-id-prefix", v));
        // The curation parameters are declared once, in core, for the job, curate, explain and the experiment.
        for (CurationParameters.Parameter curation : CurationParameters.all()) {
            param(curation.name(), curation.defaultValue(), curation.description(),
                    (c, v) -> c.curation.put(curation.name(), v.trim()));
        }
    }

    public String bootstrap;
    /** Kafka client properties from {@code --kafka-config} (empty without it). */
    public LinkedHashMap<String, String> kafkaProperties = new LinkedHashMap<>();
    /** The topic names under {@code --topic-prefix}. */
    public CadcTopics.Names topics = CadcTopics.withPrefix("");
    public String sketchesTopic;
    public String groupId;
    public boolean bounded;
    public int parallelism;
    public long checkpointIntervalMs;
    public long backlogCheckpointIntervalMs;
    public String stateBackend;
    public long graceMs;
    public long runTtlMs;
    public long sourceIdleMs;
    public String transactionalIdPrefix;
    public int replicationFactor;
    public int minInsyncReplicas;
    /** The curation parameters as given (name to text), checked by {@link CurationParameters#parse}. */
    public final LinkedHashMap<String, String> curation = new LinkedHashMap<>();

    private static CadcTopics.Names topicNames(String prefix) {
        try {
            return CadcTopics.withPrefix(prefix.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--topic-prefix: " + e.getMessage());
        }
    }

    private JobConfig() {}

    /** The defaults. */
    public static JobConfig defaults() {
        return of(Map.of());
    }

    /**
     * The defaults overridden by {@code values} (parameter name to text).
     *
     * @throws IllegalArgumentException naming the parameter for an unknown name or a bad value
     */
    public static JobConfig of(Map<String, String> values) {
        Map<String, Param> byName = new LinkedHashMap<>();
        PARAMS.forEach(p -> byName.put(p.name(), p));
        for (String name : values.keySet()) {
            if (!byName.containsKey(name)) {
                throw new IllegalArgumentException("unknown job parameter '" + name + "'; known: " + byName.keySet());
            }
        }
        JobConfig config = new JobConfig();
        for (Param param : PARAMS) {
            param.apply().accept(config, values.getOrDefault(param.name(), param.defaultValue()));
        }
        config.curatorConfig();
        if (!values.containsKey("backlog-checkpoint-interval-ms")) {
            config.backlogCheckpointIntervalMs = Math.max(config.backlogCheckpointIntervalMs, config.checkpointIntervalMs);
        } else if (config.backlogCheckpointIntervalMs < config.checkpointIntervalMs || config.backlogCheckpointIntervalMs > 300_000) {
            throw new IllegalArgumentException("--backlog-checkpoint-interval-ms must be between --checkpoint-interval-ms ("
                    + config.checkpointIntervalMs + ") and 300000, got " + config.backlogCheckpointIntervalMs);
        }
        return config;
    }

    /** Whether the job checkpoints less often while it catches up ({@code backlog-checkpoint-interval-ms}). */
    public boolean catchesUp() {
        return backlogCheckpointIntervalMs > checkpointIntervalMs;
    }

    /**
     * Parameters from an optional YAML file (flat {@code name: value} pairs) and then from
     * {@code --name value} arguments.
     */
    public static JobConfig fromArgs(String[] args) throws IOException {
        Map<String, String> values = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got '" + arg + "'");
            }
            String name = arg.substring(2);
            String value;
            if (name.contains("=")) {
                value = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true";
            }
            if (name.equals("config")) {
                for (Map.Entry<String, String> entry : readYaml(Path.of(value)).entrySet()) {
                    values.putIfAbsent(entry.getKey(), entry.getValue());
                }
            } else {
                values.put(name, value);
            }
        }
        return of(values);
    }

    /** A flat YAML map of parameter names to scalar values. */
    public static Map<String, String> readYaml(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file " + file + " does not exist");
        }
        Map<?, ?> yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readValue(file.toFile(), Map.class);
        Map<String, String> values = new TreeMap<>();
        if (yaml != null) {
            yaml.forEach((k, v) -> {
                if (v instanceof Map || v instanceof List) {
                    throw new IllegalArgumentException(file + ": parameter '" + k + "' must be a single value");
                }
                values.put(String.valueOf(k), String.valueOf(v));
            });
        }
        return values;
    }

    /** Every parameter as a Markdown table row ({@code | `--name` | `default` | meaning |}), for docs/job.md. */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder("| Parameter | Default | Meaning |\n|---|---|---|\n");
        for (Param param : PARAMS) {
            String defaultValue = param.defaultValue().isEmpty() ? "(none)" : "`" + param.defaultValue() + "`";
            table.append("| `--").append(param.name()).append("` | ").append(defaultValue).append(" | ")
                    .append(param.description()).append(" |\n");
        }
        return table.toString();
    }

    /** Every parameter with its default and description, for --help and the README. */
    public static String describe() {
        StringBuilder text = new StringBuilder();
        for (Param param : PARAMS) {
            text.append(String.format(Locale.ROOT, "  --%-24s %s (default %s)%n", param.name(), param.description(), param.defaultValue()));
        }
        return text.toString();
    }

    /** The curation settings, as the batch {@code cadc curate} takes them. */
    public CuratorConfig curatorConfig() {
        return CurationParameters.parse(curation);
    }

    private static void param(String name, String defaultValue, String description, BiConsumer<JobConfig, String> apply) {
        PARAMS.add(new Param(name, defaultValue, description, apply));
    }

    private static LinkedHashMap<String, String> kafkaProperties(String file) {
        LinkedHashMap<String, String> properties = new LinkedHashMap<>();
        if (file == null || file.isBlank()) {
            return properties;
        }
        Path path = Path.of(file.trim());
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("kafka-config: " + path + " does not exist or is not a file");
        }
        java.util.Properties loaded = new java.util.Properties();
        try (java.io.Reader reader = Files.newBufferedReader(path)) {
            loaded.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("kafka-config: cannot read " + path + ": " + e.getMessage(), e);
        }
        new java.util.TreeMap<>(loaded).forEach((key, value) -> properties.put(key.toString(), value.toString()));
        return properties;
    }

    /** The Kafka client configuration: {@code bootstrap.servers} and the {@code --kafka-config} properties over it. */
    public Map<String, Object> kafkaClientConfig() {
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("bootstrap.servers", bootstrap);
        client.putAll(kafkaProperties);
        return client;
    }

    private static String nonBlank(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value.trim();
    }

    private static boolean bool(String name, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, got '" + value + "'");
        };
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'", e);
        }
    }

    private static int intAtLeast(String name, String value, int minimum) {
        long parsed = parseLong(name, value);
        if (parsed < minimum || parsed > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be >= " + minimum + ", got " + value);
        }
        return (int) parsed;
    }

    private static long longAtLeast(String name, String value, long minimum) {
        long parsed = parseLong(name, value);
        if (parsed < minimum) {
            throw new IllegalArgumentException(name + " must be >= " + minimum + ", got " + value);
        }
        return parsed;
    }

    private static String oneOf(String name, String value, String... allowed) {
        for (String option : allowed) {
            if (option.equalsIgnoreCase(value.trim())) {
                return option;
            }
        }
        throw new IllegalArgumentException(name + " must be one of " + List.of(allowed) + ", got '" + value + "'");
    }
}
