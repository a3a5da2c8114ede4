package dev.cadc.flink.operators;

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
import dev.cadc.flink.records.KafkaRecord;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Kafka records of a small run, built with the core codecs, for the operator harness tests. */
final class OperatorTestData {

    static final String RUN = "harness-run";
    static final String TOPIC = "cadc.sketches";
    static final ProjectionSpec PROJECTION = new ProjectionSpec(16, 5L, ProjectionKind.KRONECKER);

    private long offset;

    KafkaRecord runStart(InfluenceSource source) {
        return control(RUN, WireFormat.RECORD_TYPE_RUN_START, ControlRecordCodec.encode(
                new RunStart(RUN, PROJECTION.sketchDim(), PROJECTION.seed(), PROJECTION.kind(), source)));
    }

    KafkaRecord complete(int checkpoint, long rows) {
        return control(RUN, WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE,
                ControlRecordCodec.encode(new CheckpointComplete(RUN, checkpoint, rows)));
    }

    KafkaRecord sketches(String key, SketchBatch batch) {
        return record(key, SketchCodec.encode(batch), WireFormat.CONTENT_TYPE_ARROW, null);
    }

    KafkaRecord raw(String key, byte[] value, String contentType, String recordType) {
        return record(key, value, contentType, recordType);
    }

    /** {@code pool} POOL rows (ids 0..) and {@code probes} PROBE rows (ids 1000..) at {@code checkpoint}. */
    static SketchBatch rows(String runId, ProjectionSpec projection, int checkpoint, int pool, int probes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        SketchBatch.Builder builder = SketchBatch.builder(runId, projection);
        for (int i = 0; i < pool + probes; i++) {
            float[] sketch = new float[projection.sketchDim()];
            for (int d = 0; d < sketch.length; d++) {
                sketch[d] = (float) random.nextGaussian();
            }
            boolean probe = i >= pool;
            builder.add(10L * checkpoint, checkpoint, probe ? Role.PROBE : Role.POOL, probe ? 1000 + i - pool : i, 0.01f,
                    (float) random.nextDouble(), sketch);
        }
        return builder.build();
    }

    static SketchBatch trainRows(int checkpoint, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        SketchBatch.Builder builder = SketchBatch.builder(RUN, PROJECTION);
        for (int i = 0; i < count; i++) {
            float[] sketch = new float[PROJECTION.sketchDim()];
            for (int d = 0; d < sketch.length; d++) {
                sketch[d] = (float) random.nextGaussian();
            }
            builder.add(100L * checkpoint + i, checkpoint, Role.TRAIN, i, 0.01f, 1f, sketch);
        }
        return builder.build();
    }

    private KafkaRecord control(String key, String recordType, byte[] value) {
        return record(key, value, WireFormat.CONTENT_TYPE_JSON, recordType);
    }

    private KafkaRecord record(String key, byte[] value, String contentType, String recordType) {
        String[] names = recordType == null
                ? new String[] {WireFormat.HEADER_SCHEMA_VERSION, WireFormat.HEADER_CONTENT_TYPE}
                : new String[] {WireFormat.HEADER_SCHEMA_VERSION, WireFormat.HEADER_CONTENT_TYPE, WireFormat.HEADER_RECORD_TYPE};
        byte[][] values = new byte[names.length][];
        values[0] = WireFormat.SCHEMA_VERSION_TEXT.getBytes(StandardCharsets.UTF_8);
        values[1] = contentType.getBytes(StandardCharsets.UTF_8);
        if (recordType != null) {
            values[2] = recordType.getBytes(StandardCharsets.UTF_8);
        }
        return new KafkaRecord(TOPIC, 0, offset++, key.getBytes(StandardCharsets.UTF_8), value, names, values);
    }
}
