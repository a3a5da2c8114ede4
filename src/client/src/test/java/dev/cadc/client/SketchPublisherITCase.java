package dev.cadc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.testing.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Publishes sketches with {@link SketchPublisher} to a real KRaft broker and reads them back with a
 * plain consumer and the core codec: every row, header and control record must come back exactly.
 */
class SketchPublisherITCase {

    private static final ProjectionSpec PROJECTION = new ProjectionSpec(64, 42L, ProjectionKind.KRONECKER);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    private static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void publishedSketchesAndControlRecordsReadBackExactly() {
        String runId = "run-roundtrip";
        RunStart runStart = new RunStart(runId, PROJECTION.sketchDim(), PROJECTION.seed(), PROJECTION.kind(), InfluenceSource.POOL);
        SketchBatch trainRows = randomBatch(runId, Role.TRAIN, -1, 30, 1);
        SketchBatch checkpointZero = randomBatch(runId, Role.POOL, 0, 500, 2);
        SketchBatch probesZero = randomBatch(runId, Role.PROBE, 0, 40, 3);

        // A small record limit forces the 500 POOL rows into several records.
        int maxRecordBytes = 32 * 1024;
        CheckpointComplete complete;
        try (SketchPublisher publisher = new SketchPublisher(clientConfig(), maxRecordBytes, CadcTopics.SKETCHES, false)) {
            publisher.startRun(runStart);
            publisher.publish(trainRows);
            publisher.publish(checkpointZero);
            publisher.publish(probesZero);
            complete = publisher.completeCheckpoint(runId, 0);
        }
        assertThat(complete).isEqualTo(new CheckpointComplete(runId, 0, 540));

        List<ConsumerRecord<byte[], byte[]>> records = readRun(runId);
        assertThat(records).allSatisfy(record -> {
            assertThat(header(record, WireFormat.HEADER_SCHEMA_VERSION)).isEqualTo("1");
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(runId);
        });

        ConsumerRecord<byte[], byte[]> first = records.get(0);
        assertThat(header(first, WireFormat.HEADER_RECORD_TYPE)).isEqualTo(WireFormat.RECORD_TYPE_RUN_START);
        assertThat(header(first, WireFormat.HEADER_CONTENT_TYPE)).isEqualTo(WireFormat.CONTENT_TYPE_JSON);
        assertThat(ControlRecordCodec.decodeRunStart(first.value())).isEqualTo(runStart);

        ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
        assertThat(header(last, WireFormat.HEADER_RECORD_TYPE)).isEqualTo(WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE);
        assertThat(ControlRecordCodec.decodeCheckpointComplete(last.value())).isEqualTo(complete);

        List<ConsumerRecord<byte[], byte[]>> sketchRecords = records.subList(1, records.size() - 1);
        assertThat(sketchRecords).hasSizeGreaterThan(3);
        SketchBatch.Builder readBack = SketchBatch.builder(runId, PROJECTION);
        for (ConsumerRecord<byte[], byte[]> record : sketchRecords) {
            assertThat(header(record, WireFormat.HEADER_CONTENT_TYPE)).isEqualTo(WireFormat.CONTENT_TYPE_ARROW);
            assertThat(record.headers().lastHeader(WireFormat.HEADER_RECORD_TYPE)).isNull();
            assertThat(record.value().length).isLessThanOrEqualTo(maxRecordBytes);
            appendRows(readBack, SketchCodec.decode(record.value()));
        }
        SketchBatch.Builder expected = SketchBatch.builder(runId, PROJECTION);
        appendRows(expected, trainRows);
        appendRows(expected, checkpointZero);
        appendRows(expected, probesZero);
        assertThat(readBack.build()).isEqualTo(expected.build());
        // Byte for byte the records the publisher sent before it encoded slices of rows in place.
        List<byte[]> values = new ArrayList<>();
        for (SketchBatch batch : List.of(trainRows, checkpointZero, probesZero)) {
            values.addAll(expectedValues(batch, 1, maxRecordBytes).get(0));
        }
        assertThat(sketchRecords).extracting(ConsumerRecord::value).containsExactlyElementsOf(values);
    }

    /**
     * The default spread: rows go to partition {@code floorMod(sample id, partitions)}, every record
     * keyed by the run; control records once, in the key's partition, the run-end with schema version 2.
     */
    @Test
    void spreadsRowsOverPartitionsBySampleIdAndSendsControlRecordsOnceToTheKeysPartition() {
        String runId = "run-spread";
        RunStart runStart = new RunStart(runId, PROJECTION.sketchDim(), PROJECTION.seed(), PROJECTION.kind(), InfluenceSource.POOL);
        SketchBatch pool = randomBatch(runId, Role.POOL, 0, 301, 7);
        SketchBatch probes = randomBatch(runId, Role.PROBE, 0, 20, 8);
        int partitions;
        try (SketchPublisher publisher = new SketchPublisher(clientConfig(), 32 * 1024)) {
            partitions = publisher.partitionCount();
            publisher.startRun(runStart);
            publisher.publish(pool);
            publisher.publish(probes);
            assertThat(publisher.completeCheckpoint(runId, 0)).isEqualTo(new CheckpointComplete(runId, 0, 321));
            publisher.endRun(runId, 0);
        }
        assertThat(partitions).isEqualTo(CadcTopics.DEFAULT_SKETCH_PARTITIONS);

        List<ConsumerRecord<byte[], byte[]>> records = readRun(runId);
        List<ConsumerRecord<byte[], byte[]>> control = records.stream()
                .filter(r -> r.headers().lastHeader(WireFormat.HEADER_RECORD_TYPE) != null).toList();
        assertThat(control).extracting(r -> header(r, WireFormat.HEADER_RECORD_TYPE)).containsExactly(
                WireFormat.RECORD_TYPE_RUN_START, WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE, WireFormat.RECORD_TYPE_RUN_END);
        assertThat(control).extracting(ConsumerRecord::partition).containsOnly(control.get(0).partition());
        assertThat(header(control.get(2), WireFormat.HEADER_SCHEMA_VERSION)).isEqualTo(WireFormat.RUN_END_SCHEMA_VERSION_TEXT);
        assertThat(ControlRecordCodec.decodeRunEnd(control.get(2).value())).isEqualTo(new dev.cadc.core.format.RunEnd(runId, 0));

        java.util.Set<Integer> used = new java.util.HashSet<>();
        java.util.Set<Long> readIds = new java.util.HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.headers().lastHeader(WireFormat.HEADER_RECORD_TYPE) != null) {
                continue;
            }
            SketchBatch batch = SketchCodec.decode(record.value());
            for (int row = 0; row < batch.rowCount(); row++) {
                assertThat(Math.floorMod(batch.sampleId(row), partitions)).isEqualTo(record.partition());
                readIds.add(batch.sampleId(row));
            }
            used.add(record.partition());
        }
        assertThat(used).as("a run spread over every partition").hasSize(partitions);
        assertThat(readIds).hasSize(321);
        // Byte for byte, partition by partition, the records the publisher sent before it encoded slices of rows in place.
        for (int partition = 0; partition < partitions; partition++) {
            int p = partition;
            List<byte[]> values = new ArrayList<>(expectedValues(pool, partitions, 32 * 1024).getOrDefault(p, List.of()));
            values.addAll(expectedValues(probes, partitions, 32 * 1024).getOrDefault(p, List.of()));
            assertThat(records.stream().filter(r -> r.partition() == p && r.headers().lastHeader(WireFormat.HEADER_RECORD_TYPE) == null)
                    .map(ConsumerRecord::value).toList()).as("partition %d", p).containsExactlyElementsOf(values);
        }
    }

    /**
     * The values the publisher sent for {@code batch} before it encoded slices of rows in place (as it did
     * up to 2026-11-30): rows grouped by {@code floorMod(sample id, partitions)} (one group when not spread),
     * each group in row order and cut into records of {@code rowsPerRecord} rows, each record a batch built
     * row by row and written by {@link SketchCodec#encode}; by partition, in order.
     */
    private static Map<Integer, List<byte[]>> expectedValues(SketchBatch batch, int partitions, int maxRecordBytes) {
        int bytesPerRow = 4 * batch.projection().sketchDim() + 40 + batch.runId().length() * 4;
        int rowsPerRecord = Math.max(1, (maxRecordBytes - 16 * 1024) / bytesPerRow);
        Map<Integer, List<Integer>> rowsByPartition = new java.util.TreeMap<>();
        for (int row = 0; row < batch.rowCount(); row++) {
            rowsByPartition.computeIfAbsent(Math.floorMod(batch.sampleId(row), partitions), p -> new ArrayList<>()).add(row);
        }
        Map<Integer, List<byte[]>> values = new java.util.TreeMap<>();
        rowsByPartition.forEach((partition, rows) -> {
            for (int from = 0; from < rows.size(); from += rowsPerRecord) {
                SketchBatch.Builder part = SketchBatch.builder(batch.runId(), batch.projection());
                for (int row : rows.subList(from, Math.min(rows.size(), from + rowsPerRecord))) {
                    part.add(batch.step(row), batch.checkpoint(row), batch.role(row), batch.sampleId(row),
                            batch.learningRate(row), batch.loss(row), batch.sketch(row));
                }
                values.computeIfAbsent(partition, p -> new ArrayList<>()).add(SketchCodec.encode(part.build()));
            }
        });
        return values;
    }

    @Test
    void refusesSketchesOfARunItDidNotStartOrWithAnotherProjection() {
        try (SketchPublisher publisher = new SketchPublisher(clientConfig())) {
            SketchBatch batch = randomBatch("run-unstarted", Role.POOL, 0, 3, 4);
            assertThatThrownBy(() -> publisher.publish(batch))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no run-start");

            publisher.startRun(new RunStart("run-other-seed", 64, 7L, ProjectionKind.KRONECKER, InfluenceSource.POOL));
            SketchBatch otherSeed = randomBatch("run-other-seed", Role.POOL, 0, 3, 5);
            assertThatThrownBy(() -> publisher.publish(otherSeed))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("projection");
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readRun(String runId) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (TopicReader reader = new TopicReader(clientConfig(), CadcTopics.SKETCHES)) {
            assertThat(reader.readToEnd(READ_TIMEOUT, record -> {
                if (runId.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                    records.add(record);
                }
            })).isTrue();
        }
        return records;
    }

    private static void appendRows(SketchBatch.Builder builder, SketchBatch batch) {
        for (int row = 0; row < batch.rowCount(); row++) {
            builder.add(batch.step(row), batch.checkpoint(row), batch.role(row), batch.sampleId(row),
                    batch.learningRate(row), batch.loss(row), batch.sketch(row));
        }
    }

    static SketchBatch randomBatch(String runId, Role role, int checkpoint, int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        SketchBatch.Builder builder = SketchBatch.builder(runId, PROJECTION);
        for (int row = 0; row < rows; row++) {
            float[] sketch = new float[PROJECTION.sketchDim()];
            for (int i = 0; i < sketch.length; i++) {
                sketch[i] = (float) random.nextGaussian();
            }
            builder.add(100L * seed + row, checkpoint, role, seed * 1_000_000L + row,
                    1e-3f, (float) random.nextDouble(), sketch);
        }
        return builder.build();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", KAFKA.bootstrapServers());
    }
}
