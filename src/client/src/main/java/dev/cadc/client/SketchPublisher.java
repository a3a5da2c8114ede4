package dev.cadc.client;

import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunEnd;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.RunIds;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.core.topic.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The trainer's side of {@code cadc.sketches}: publishes a run's run-start record, its sketch batches
 * (split into records below the topic's size limit) and its checkpoint-complete records, with an
 * idempotent producer ({@code acks=all}), compression and batching.
 *
 * <p>It counts the POOL and PROBE rows it publishes per (run, checkpoint), so
 * {@link #completeCheckpoint} announces exactly the rows a consumer has to wait for.
 *
 * <p>The key of every record is the run id. By default a run's sketch rows are <em>spread</em> over
 * the topic's partitions by choosing the partition explicitly, {@code floorMod(sample id, partitions)}
 * (schemas/README.md, "Spreading a run"), so one run's rows are read by every source subtask; control
 * records (run-start, checkpoint-complete, run-end) go once, to the partition of the key. With
 * {@code spread = false} (the four-argument constructor) everything goes to the key's partition, in order. Sends are
 * asynchronous; the first failure is rethrown by the next call, {@link #flush()} or {@link #close()}.
 * Not thread-safe: one publisher per trainer, called by one thread at a time (a trainer that hands its
 * sketches to a background thread waits for that thread before it calls the publisher itself).
 */
public final class SketchPublisher implements AutoCloseable {

    /** Target size of one Kafka record; batches are split into records of at most this many bytes. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024;

    /** Arrow IPC framing (schema message, batch header, buffer padding) on top of the row payload. */
    private static final int RECORD_OVERHEAD_BYTES = 16 * 1024;

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final String probesTopic;
    private final int maxRecordBytes;
    private final boolean spread;
    private int partitions;
    private final Map<String, RunStart> startedRuns = new HashMap<>();
    private final Map<String, Map<Integer, Long>> scanRowsByRunAndCheckpoint = new HashMap<>();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    /** One Arrow allocator for every record this publisher encodes (several per batch when spread). */
    private final SketchCodec.Encoder encoder;

    /**
     * @param clientConfig Kafka producer properties: {@code bootstrap.servers} and anything to pass
     *     through (security settings, {@code compression.type}, ...); they override CADC's defaults,
     *     except idempotence and {@code acks=all}, which the checkpoint row counts depend on
     */
    public SketchPublisher(Map<String, Object> clientConfig) {
        this(clientConfig, DEFAULT_MAX_RECORD_BYTES);
    }

    public SketchPublisher(Map<String, Object> clientConfig, int maxRecordBytes) {
        this(clientConfig, maxRecordBytes, CadcTopics.SKETCHES);
    }

    /**
     * A publisher to another sketches topic than {@code cadc.sketches} (created like it when missing),
     * for isolated test or staging pipelines.
     */
    public SketchPublisher(Map<String, Object> clientConfig, int maxRecordBytes, String topic) {
        this(clientConfig, maxRecordBytes, topic, true);
    }

    /**
     * @param spread whether a run's sketch rows are spread over the topic's partitions by sample id
     *     (the default); false sends every record to the partition of its key (the run id)
     */
    public SketchPublisher(Map<String, Object> clientConfig, int maxRecordBytes, String topic, boolean spread) {
        this(clientConfig, maxRecordBytes, topic, spread, "");
    }

    /**
     * @param topic the sketches topic without the prefix
     * @param topicPrefix put in front of every topic name (the team's prefix; empty: none), see
     *     {@link CadcTopics#withPrefix}
     */
    public SketchPublisher(Map<String, Object> clientConfig, int maxRecordBytes, String topic, boolean spread, String topicPrefix) {
        CadcTopics.Names names = CadcTopics.withPrefix(topicPrefix);
        this.probesTopic = names.probes();
        topic = names.of(topic);
        this.topic = topic;
        this.spread = spread;
        if (maxRecordBytes <= RECORD_OVERHEAD_BYTES || maxRecordBytes > CadcTopics.MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("maxRecordBytes must be in (" + RECORD_OVERHEAD_BYTES + ", "
                    + CadcTopics.MAX_MESSAGE_BYTES + "], got " + maxRecordBytes);
        }
        this.maxRecordBytes = maxRecordBytes;
        List<TopicSpec> topics = new ArrayList<>(names.specs(CadcTopics.DEFAULT_SKETCH_PARTITIONS));
        if (!topic.equals(names.sketches())) {
            TopicSpec sketches = topics.stream().filter(spec -> spec.name().equals(names.sketches())).findFirst().orElseThrow();
            topics.add(new TopicSpec(topic, sketches.partitions(), sketches.configs()));
        }
        KafkaTopicAdmin.ensureTopics(clientConfig, topics);
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 1024 * 1024);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        config.putAll(clientConfig);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, CadcTopics.MAX_MESSAGE_BYTES);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.encoder = new SketchCodec.Encoder();
    }

    /**
     * Publishes the run-start record that fixes the run's projection and influence source.
     *
     * @throws dev.cadc.core.format.InvalidRecordException INVALID_RUN_ID for a run id outside the rule of
     *     {@link RunIds} (the job would dead-letter every record of the run)
     */
    public void startRun(RunStart runStart) {
        rethrowFailure();
        RunIds.require(runStart.runId());
        RunStart previous = startedRuns.putIfAbsent(runStart.runId(), runStart);
        if (previous != null && !previous.equals(runStart)) {
            throw new IllegalStateException("run " + runStart.runId() + " was started with " + previous
                    + "; a run's projection and influence source cannot change, start a new run id instead");
        }
        send(runStart.runId(), ControlRecordCodec.encode(runStart),
                WireFormat.CONTENT_TYPE_JSON, WireFormat.RECORD_TYPE_RUN_START);
    }

    /**
     * Publishes a batch of sketch rows of one run, split into records of at most the configured size.
     *
     * @throws IllegalStateException when the run was not started with {@link #startRun} here, or the
     *     batch's projection differs from the run's
     */
    public void publish(SketchBatch batch) {
        rethrowFailure();
        RunStart run = startedRuns.get(batch.runId());
        if (run == null) {
            throw new IllegalStateException("run " + batch.runId() + " has no run-start record; call startRun first");
        }
        if (!run.projection().equals(batch.projection())) {
            throw new IllegalStateException("batch of run " + batch.runId() + " uses projection " + batch.projection()
                    + " but the run was started with " + run.projection());
        }
        int bytesPerRow = 4 * batch.projection().sketchDim() + 40 + batch.runId().length() * 4;
        int rowsPerRecord = Math.max(1, (maxRecordBytes - RECORD_OVERHEAD_BYTES) / bytesPerRow);
        int rowCount = batch.rowCount();
        if (spread) {
            // Rows grouped by partition (ascending), each group in row order, without copying the batch:
            // the encoder writes each record's slice of rows straight into its value.
            int count = partitionCount();
            int[] partitionOf = new int[rowCount];
            int[] starts = new int[count + 1];
            for (int row = 0; row < rowCount; row++) {
                partitionOf[row] = Math.floorMod(batch.sampleId(row), count);
                starts[partitionOf[row] + 1]++;
            }
            for (int partition = 0; partition < count; partition++) {
                starts[partition + 1] += starts[partition];
            }
            int[] rows = new int[rowCount];
            int[] next = Arrays.copyOf(starts, count);
            for (int row = 0; row < rowCount; row++) {
                rows[next[partitionOf[row]]++] = row;
            }
            for (int partition = 0; partition < count; partition++) {
                for (int from = starts[partition]; from < starts[partition + 1]; from += rowsPerRecord) {
                    send(batch.runId(), partition, encoder.encode(batch, rows, from, Math.min(starts[partition + 1], from + rowsPerRecord)),
                            WireFormat.SCHEMA_VERSION_TEXT, WireFormat.CONTENT_TYPE_ARROW, null);
                }
            }
        } else {
            for (int from = 0; from < rowCount; from += rowsPerRecord) {
                send(batch.runId(), encoder.encode(batch, null, from, Math.min(rowCount, from + rowsPerRecord)),
                        WireFormat.CONTENT_TYPE_ARROW, null);
            }
        }
        Map<Integer, Long> counts = scanRowsByRunAndCheckpoint.computeIfAbsent(batch.runId(), id -> new HashMap<>());
        for (int row = 0; row < batch.rowCount(); row++) {
            if (batch.role(row) != Role.TRAIN) {
                counts.merge(batch.checkpoint(row), 1L, Long::sum);
            }
        }
    }

    /**
     * Publishes the checkpoint-complete record of {@code checkpoint}, counting every POOL and PROBE row
     * this publisher sent for it, after flushing them so that the record follows its rows.
     */
    public CheckpointComplete completeCheckpoint(String runId, int checkpoint) {
        if (!startedRuns.containsKey(runId)) {
            throw new IllegalStateException("run " + runId + " has no run-start record; call startRun first");
        }
        flush();
        long rows = scanRowsByRunAndCheckpoint.getOrDefault(runId, Map.of()).getOrDefault(checkpoint, 0L);
        CheckpointComplete complete = new CheckpointComplete(runId, checkpoint, rows);
        send(runId, ControlRecordCodec.encode(complete),
                WireFormat.CONTENT_TYPE_JSON, WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE);
        flush();
        return complete;
    }

    /**
     * Publishes the run-end record: no checkpoint after {@code lastCheckpoint} will come. Once the job has
     * built that checkpoint's curriculum version it releases the run; later records of the run are dead
     * letters. Flushes before and after, so the record follows every row.
     */
    public RunEnd endRun(String runId, int lastCheckpoint) {
        if (!startedRuns.containsKey(runId)) {
            throw new IllegalStateException("run " + runId + " has no run-start record; call startRun first");
        }
        flush();
        RunEnd end = new RunEnd(runId, lastCheckpoint);
        send(runId, null, ControlRecordCodec.encode(end), WireFormat.RUN_END_SCHEMA_VERSION_TEXT,
                WireFormat.CONTENT_TYPE_JSON, WireFormat.RECORD_TYPE_RUN_END);
        flush();
        return end;
    }

    /** The number of partitions of the sketches topic (read once). */
    public int partitionCount() {
        if (partitions == 0) {
            partitions = producer.partitionsFor(topic).size();
        }
        return partitions;
    }

    /**
     * Publishes a human-readable description of each probe of a run to {@code cadc.probes}, for
     * {@code cadc inspect}: what each discovered capability is made of. Curation does not read it.
     */
    public void publishProbeCatalogue(String runId, Map<Long, String> descriptions) {
        rethrowFailure();
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
        root.put("run_id", runId);
        com.fasterxml.jackson.databind.node.ObjectNode probes = root.putObject("probes");
        new java.util.TreeMap<>(descriptions).forEach((id, text) -> probes.put(Long.toString(id), text));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(probesTopic, runId.getBytes(StandardCharsets.UTF_8),
                root.toString().getBytes(StandardCharsets.UTF_8));
        record.headers().add(header(WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_JSON));
        producer.send(record, (metadata, exception) -> {
            if (exception != null) {
                firstFailure.compareAndSet(null, exception);
            }
        });
    }

    /** Waits until every record sent so far is acknowledged; rethrows the first send failure. */
    public void flush() {
        producer.flush();
        rethrowFailure();
    }

    @Override
    public void close() {
        try {
            flush();
        } finally {
            try {
                producer.close(Duration.ofSeconds(30));
            } finally {
                encoder.close();
            }
        }
    }

    private void send(String runId, byte[] value, String contentType, String recordType) {
        send(runId, null, value, WireFormat.SCHEMA_VERSION_TEXT, contentType, recordType);
    }

    /** Sends to {@code partition}, or to the key's partition when it is null. */
    private void send(String runId, Integer partition, byte[] value, String schemaVersion, String contentType, String recordType) {
        ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(topic, partition, runId.getBytes(StandardCharsets.UTF_8), value);
        record.headers().add(header(WireFormat.HEADER_SCHEMA_VERSION, schemaVersion));
        record.headers().add(header(WireFormat.HEADER_CONTENT_TYPE, contentType));
        if (recordType != null) {
            record.headers().add(header(WireFormat.HEADER_RECORD_TYPE, recordType));
        }
        producer.send(record, (metadata, exception) -> {
            if (exception != null) {
                firstFailure.compareAndSet(null, exception);
            }
        });
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private void rethrowFailure() {
        Exception failure = firstFailure.get();
        if (failure != null) {
            throw new IllegalStateException("publishing to " + topic + " failed: " + failure.getMessage(), failure);
        }
    }
}
