package dev.cadc.flink.operators;

import dev.cadc.core.capability.CapabilityClusterer;
import dev.cadc.core.capability.Clustering;
import dev.cadc.core.capability.ClusteringConfig;
import dev.cadc.core.capability.ProbeTrajectories;
import dev.cadc.core.curriculum.StageSequencer;
import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.records.VersionPlan;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.RunEvent;
import dev.cadc.flink.records.Contribution;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;

/**
 * Fixtures of the operator harness tests: a run's Kafka records as the trainer publishes them (a
 * {@link Records} builder numbering offsets), deterministic sketch batches, the core-computed
 * clustering and contributions of a planted set's checkpoint, and access to a harness's keyed state.
 */
final class OperatorTestData {

    static final String RUN = "run-harness";
    static final int SKETCH_DIM = 8;
    static final long PROJECTION_SEED = -7046029254386353131L;
    static final ProjectionSpec PROJECTION = new ProjectionSpec(SKETCH_DIM, PROJECTION_SEED, ProjectionKind.KRONECKER);
    static final String SOURCE_TOPIC = WireFormat.TOPIC_SKETCHES;
    static final int SOURCE_PARTITION = 3;
    static final long PROBE_ID_BASE = 1_000_000L;
    static final float LEARNING_RATE = 0.01f;
    static final long GRACE_MS = 10_000L;
    static final long RUN_TTL_MS = 1_000_000L;
    /** The validator's watermark when it closed checkpoint 0 in {@link #plantedCheckpointZero}. */
    static final long CHECKPOINT_ZERO_CLOSED_AT = 1_000L;

    private OperatorTestData() {}

    /** A deterministic, non-zero sketch for (sample, checkpoint). */
    static float[] sketch(long sampleId, int checkpoint) {
        float[] sketch = new float[SKETCH_DIM];
        for (int i = 0; i < SKETCH_DIM; i++) {
            sketch[i] = (float) Math.sin(1.0 + sampleId * 0.37 + checkpoint * 1.3 + i * 0.71) + 0.05f * i;
        }
        return sketch;
    }

    /** Probe ids {@code PROBE_ID_BASE + p} for p in [0, probes). */
    static long probeId(int p) {
        return PROBE_ID_BASE + p;
    }

    /**
     * One batch of checkpoint {@code checkpoint}: {@code probes} PROBE rows (ids {@link #probeId}),
     * {@code pool} POOL rows (ids 0..pool-1) and {@code train} TRAIN rows (ids 0..train-1, the steps
     * after the checkpoint).
     */
    static SketchBatch batch(String runId, ProjectionSpec projection, int checkpoint, int probes, int pool, int train) {
        SketchBatch.Builder builder = SketchBatch.builder(runId, projection);
        // Checkpoint j is taken at step 1000 (j + 1); checkpoint -1 holds the TRAIN steps before checkpoint 0.
        long checkpointStep = (checkpoint + 1) * 1000L;
        for (int p = 0; p < probes; p++) {
            builder.add(checkpointStep, checkpoint, Role.PROBE, probeId(p), LEARNING_RATE, 1.5f - 0.1f * p,
                    sketch(probeId(p), checkpoint));
        }
        for (int s = 0; s < pool; s++) {
            builder.add(checkpointStep, checkpoint, Role.POOL, s, LEARNING_RATE, 0.5f, sketch(s, checkpoint));
        }
        for (int t = 0; t < train; t++) {
            builder.add(checkpointStep + 1 + t, checkpoint, Role.TRAIN, t, LEARNING_RATE, 0.7f, sketch(t + 500, checkpoint));
        }
        return builder.build();
    }

    static SketchBatch batch(int checkpoint, int probes, int pool, int train) {
        return batch(RUN, PROJECTION, checkpoint, probes, pool, train);
    }

    /** The records of one run on {@code cadc.sketches}, with increasing offsets. */
    static Records records() {
        return new Records(RUN, InfluenceSource.POOL);
    }

    static Records records(InfluenceSource source) {
        return new Records(RUN, source);
    }

    /** Builds the Kafka records of one run as a trainer publishes them, numbering offsets from 0. */
    static final class Records {
        private final String runId;
        private final InfluenceSource source;
        private long nextOffset;

        private Records(String runId, InfluenceSource source) {
            this.runId = runId;
            this.source = source;
        }

        KafkaRecord runStart() {
            return runStart(null);
        }

        /** A run-start naming {@code layers} (null: without the field). */
        KafkaRecord runStart(List<RunStart.Layer> layers) {
            return control(WireFormat.RECORD_TYPE_RUN_START, ControlRecordCodec.encode(
                    new RunStart(runId, SKETCH_DIM, PROJECTION_SEED, ProjectionKind.KRONECKER, source, layers)));
        }

        KafkaRecord checkpointComplete(int checkpoint, long rows) {
            return control(WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE,
                    ControlRecordCodec.encode(new CheckpointComplete(runId, checkpoint, rows)));
        }

        KafkaRecord runEnd(int lastCheckpoint) {
            return raw(ControlRecordCodec.encode(new dev.cadc.core.format.RunEnd(runId, lastCheckpoint)),
                    WireFormat.HEADER_SCHEMA_VERSION, WireFormat.RUN_END_SCHEMA_VERSION_TEXT,
                    WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_JSON,
                    WireFormat.HEADER_RECORD_TYPE, WireFormat.RECORD_TYPE_RUN_END);
        }

        KafkaRecord sketches(SketchBatch batch) {
            return sketchValue(SketchCodec.encode(batch));
        }

        /** An Arrow-typed record with any value (for malformed values). */
        KafkaRecord sketchValue(byte[] value) {
            return raw(value, WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT,
                    WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_ARROW);
        }

        /** A JSON control record with any value (for malformed control records). */
        KafkaRecord control(String recordType, byte[] value) {
            return raw(value, WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT,
                    WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_JSON,
                    WireFormat.HEADER_RECORD_TYPE, recordType);
        }

        /** A record keyed by this run with the given header name/value pairs. */
        KafkaRecord raw(byte[] value, String... headerPairs) {
            String[] names = new String[headerPairs.length / 2];
            byte[][] values = new byte[names.length][];
            for (int i = 0; i < names.length; i++) {
                names[i] = headerPairs[2 * i];
                values[i] = headerPairs[2 * i + 1].getBytes(StandardCharsets.UTF_8);
            }
            return new KafkaRecord(SOURCE_TOPIC, SOURCE_PARTITION, nextOffset++, runId.getBytes(StandardCharsets.UTF_8),
                    value, names, values);
        }
    }

    /** A run-start event as the validator emits it. */
    static RunEvent runStartEvent(int sketchDim, InfluenceSource source) {
        return RunEvent.runStart(RUN, new RunStart(RUN, sketchDim, PROJECTION_SEED, ProjectionKind.KRONECKER, source));
    }

    /** The PROBE rows of {@code checkpoint} in a planted set, as validator events. */
    static List<RunEvent> probeEvents(PlantedSketches.PlantedSet set, int checkpoint) {
        List<RunEvent> events = new ArrayList<>();
        for (SketchBatch batch : set.batches()) {
            for (int row = 0; row < batch.rowCount(); row++) {
                if (batch.role(row) == Role.PROBE && batch.checkpoint(row) == checkpoint) {
                    events.add(RunEvent.probeRow(batch.runId(), checkpoint, batch.sampleId(row), batch.loss(row), batch.sketch(row)));
                }
            }
        }
        return events;
    }

    /** The POOL rows of {@code checkpoint} in a planted set, as accumulator inputs. */
    static List<Contribution> poolRows(PlantedSketches.PlantedSet set, int checkpoint) {
        List<Contribution> rows = new ArrayList<>();
        for (SketchBatch batch : set.batches()) {
            for (int row = 0; row < batch.rowCount(); row++) {
                if (batch.role(row) == Role.POOL && batch.checkpoint(row) == checkpoint) {
                    rows.add(new Contribution(batch.runId(), batch.sampleId(row), checkpoint, batch.step(row),
                            batch.learningRate(row), batch.sketch(row)));
                }
            }
        }
        return rows;
    }

    /** The batches of a planted set that belong to checkpoint 0 (what a run has published by then). */
    static List<SketchBatch> batchesOfCheckpointZero(PlantedSketches.PlantedSet set) {
        return set.batches().stream().filter(b -> b.checkpoint(0) == 0).toList();
    }

    /**
     * Checkpoint 0 of a planted set as the builder receives it, computed with the core classes the
     * upstream operators call: the clustering event (fresh clusterer, as at the run's first
     * checkpoint), its probe model and its POOL rows.
     */
    record PlantedCheckpoint(VersionPlan clustering, ProbeModel model, List<Contribution> rows) {}

    static PlantedCheckpoint plantedCheckpointZero(PlantedSketches.PlantedSet set, ClusteringConfig config) {
        int k = set.config().sketchDim();
        ProbeTrajectories trajectories = new ProbeTrajectories(k);
        for (RunEvent probe : probeEvents(set, 0)) {
            trajectories.add(0, probe.probe.sampleId, probe.probe.sketch, probe.probe.loss);
        }
        CapabilityClusterer clusterer = new CapabilityClusterer(config, Clustering.empty(), 0);
        Clustering clustering = clusterer.update(trajectories);
        List<Contribution> pool = poolRows(set, 0);

        VersionPlan event = new VersionPlan();
        event.runId = set.config().runId();
        event.kind = VersionPlan.Kind.CLUSTERING;
        event.checkpoint = 0;
        event.probeIds = clustering.probeIds();
        event.assignment = clustering.assignment();
        event.difficulty = StageSequencer.difficulty(clustering, trajectories);
        event.sourceRows = pool.size();
        event.shortCheckpoint = false;
        event.sketchDim = k;
        event.nextCapabilityId = clusterer.nextCapabilityId();
        event.trainSource = false;
        event.sourceCheckpoints = new int[] {0};
        event.watermark = CHECKPOINT_ZERO_CLOSED_AT;
        ProbeModel model = new ProbeModel(event.runId, 0, k, trajectories.probeIds(), trajectories.unitSketchMatrix(0));
        model.freeAfterWatermark = CHECKPOINT_ZERO_CLOSED_AT;

        return new PlantedCheckpoint(event, model, pool);
    }

    /** A probe model of {@code probes} unit rows for checkpoint {@code checkpoint}. */
    static ProbeModel probeModel(int checkpoint, int probes) {
        long[] ids = new long[probes];
        float[] unit = new float[probes * SKETCH_DIM];
        for (int p = 0; p < probes; p++) {
            ids[p] = probeId(p);
            float[] sketch = sketch(ids[p], checkpoint);
            double norm = 0;
            for (float v : sketch) {
                norm += v * v;
            }
            for (int d = 0; d < SKETCH_DIM; d++) {
                unit[p * SKETCH_DIM + d] = (float) (sketch[d] / Math.sqrt(norm));
            }
        }
        return new ProbeModel(RUN, checkpoint, SKETCH_DIM, ids, unit);
    }

    /** The dead letter's {@code cadc-dlq-*} headers read back. */
    static DeadLetter deadLetterOf(OutputRecord record) {
        Map<String, byte[]> headers = new LinkedHashMap<>();
        for (int i = 0; i < record.headerNames.length; i++) {
            headers.putIfAbsent(record.headerNames[i], record.headerValues[i]);
        }
        return DeadLetter.fromHeaders(headers);
    }

    static String header(OutputRecord record, String name) {
        for (int i = 0; i < record.headerNames.length; i++) {
            if (record.headerNames[i].equals(name)) {
                return new String(record.headerValues[i], StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The values of a harness side output, in order. */
    static <T> List<T> sideOutput(AbstractStreamOperatorTestHarness<?> harness, org.apache.flink.util.OutputTag<T> tag) {
        var records = harness.getSideOutput(tag);
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }

    /** The keyed state {@code descriptor} of {@code key} in the harness's (heap) keyed state backend. */
    static <S extends State> S keyedState(AbstractStreamOperatorTestHarness<?> harness, String key,
            StateDescriptor<S, ?> descriptor) throws Exception {
        KeyedStateBackend<Object> backend = harness.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(key);
        return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
    }

    /** Every (key, state) entry of the harness's heap keyed state backend. */
    /** The validator's key: the run id of the record's key, as the job keys it. */
    static final KeySelector<DecodedRecord, String> BY_RUN = record -> record.source.runId();

    static int keyedStateEntries(AbstractStreamOperatorTestHarness<?> harness) {
        return ((HeapKeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend()).numKeyValueStateEntries();
    }

    /**
     * An open harness of a keyed function with Kryo disallowed (as the job runs), started empty or
     * from {@code restored}: what a restarted task sees after a failure.
     */
    static <IN, OUT> KeyedOneInputStreamOperatorTestHarness<String, IN, OUT> keyedHarness(
            KeyedProcessFunction<String, IN, OUT> function, KeySelector<IN, String> key, OperatorSubtaskState restored)
            throws Exception {
        return opened(new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(function), key, Types.STRING),
                restored);
    }

    /** Opens {@code harness} without Kryo, fresh or from {@code restored}. */
    private static <H extends AbstractStreamOperatorTestHarness<?>> H opened(H harness, OperatorSubtaskState restored)
            throws Exception {
        withoutGenericTypes(harness);
        if (restored == null) {
            harness.initializeEmptyState();
        } else {
            harness.initializeState(restored);
        }
        harness.open();
        return harness;
    }

    /** Makes the harness fail, as the job does, on any type that would fall back to Kryo. */
    static void withoutGenericTypes(AbstractStreamOperatorTestHarness<?> harness) {
        ((SerializerConfigImpl) harness.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
    }
}
