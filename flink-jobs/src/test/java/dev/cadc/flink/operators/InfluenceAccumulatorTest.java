package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.SKETCH_DIM;
import static dev.cadc.flink.operators.OperatorTestData.keyedState;
import static dev.cadc.flink.operators.OperatorTestData.keyedStateEntries;
import static dev.cadc.flink.operators.OperatorTestData.probeModel;
import static dev.cadc.flink.operators.OperatorTestData.sourceRow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.SourceRow;
import org.apache.flink.api.common.state.ListStateDescriptor;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InfluenceAccumulatorTest {

    private static final ListStateDescriptor<SourceRow> WAITING =
            new ListStateDescriptor<>("rows-waiting-for-model", Types.POJO(SourceRow.class));
    private static final int PROBES = 5;

    private InfluenceAccumulator accumulator;
    private KeyedBroadcastOperatorTestHarness<String, SourceRow, ProbeModel, Contribution> harness;

    @BeforeEach
    void openHarness() throws Exception {
        accumulator = new InfluenceAccumulator();
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(accumulator,
                SourceRow::sampleKey, Types.STRING, InfluenceAccumulator.MODELS);
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void aRowBeforeItsModelIsBufferedAndReplayedOnceWhenTheModelArrives() throws Exception {
        SourceRow row = sourceRow(7, 0);
        harness.processElement(row, 0L);
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(keyedState(harness, row.sampleKey(), WAITING).get()).hasSize(1);

        ProbeModel model = probeModel(0, PROBES);
        harness.processBroadcastElement(model, 0L);

        assertThat(harness.extractOutputValues()).singleElement().satisfies(contribution -> {
            assertThat(contribution.runId).isEqualTo(row.runId);
            assertThat(contribution.sampleId).isEqualTo(7L);
            assertThat(contribution.checkpoint).isZero();
            assertThat(contribution.step).isEqualTo(row.step);
            assertThat(contribution.learningRate).isEqualTo(row.learningRate);
            assertThat(contribution.sketch).containsExactly(row.sketch);
            double[] expected = new ProbeCheckpoint(0, SKETCH_DIM, model.unitSketches).terms(row.sketch, row.learningRate);
            assertThat(bits(contribution.terms)).containsExactly(bits(expected));
        });
        // The backend's raw list state reads an empty list as null.
        assertThat(keyedState(harness, row.sampleKey(), WAITING).get()).isNullOrEmpty();
        assertThat(keyedStateEntries(harness)).isZero();
    }

    /**
     * A model is needed until every row of its checkpoint has come, which the watermark tells: all of
     * them were forwarded before the validator's watermark at closing, on the channel that carries its
     * later watermarks. Past it, the next broadcast drops the model from broadcast state.
     */
    @Test
    void modelsAreDroppedOnceTheWatermarkIsPastTheirClosing() throws Exception {
        ProbeModel zero = probeModel(0, PROBES);
        zero.freeAfterWatermark = 1_000L;
        harness.processBroadcastElement(zero, 0L);
        harness.processWatermark(1_000L);
        harness.processBroadcastWatermark(1_000L);
        ProbeModel one = probeModel(1, PROBES);
        one.freeAfterWatermark = 2_000L;
        harness.processBroadcastElement(one, 0L);
        assertThat(broadcastKeys()).as("not yet past 1000").hasSize(2);

        harness.processWatermark(2_001L);
        harness.processBroadcastWatermark(2_001L);
        harness.processBroadcastElement(ProbeModel.releaseOf("another-run", 3_000L), 0L);
        assertThat(broadcastKeys()).containsExactly(ProbeModel.releaseKey("another-run"));
    }

    @Test
    void aTtlReleaseDropsTheRunsWaitingRowsAndLaterOnes() throws Exception {
        harness.processElement(sourceRow(1, 3), 0L);
        harness.processElement(sourceRow(2, 3), 0L);
        harness.processBroadcastElement(ProbeModel.releaseOf(OperatorTestData.RUN, 10L), 0L);
        harness.processElement(sourceRow(3, 3), 0L);

        assertThat(keyedStateEntries(harness)).isZero();
        assertThat(harness.extractOutputValues()).isEmpty();
    }

    private java.util.List<String> broadcastKeys() throws Exception {
        java.util.List<String> keys = new java.util.ArrayList<>();
        harness.getBroadcastState(InfluenceAccumulator.MODELS).entries().forEach(e -> keys.add(e.getKey()));
        return keys;
    }

    @Test
    void aModelReleasesOnlyTheRowsOfItsCheckpoint() throws Exception {
        harness.processElement(sourceRow(1, 0), 0L);
        harness.processElement(sourceRow(2, 0), 0L);
        harness.processElement(sourceRow(3, 1), 0L);
        harness.processElement(sourceRow(2, 1), 0L);
        assertThat(keyedStateEntries(harness)).isEqualTo(3);

        harness.processBroadcastElement(probeModel(0, PROBES), 0L);
        assertThat(harness.extractOutputValues()).extracting(e -> e.sampleId, e -> e.checkpoint)
                .containsExactlyInAnyOrder(tuple(1L, 0), tuple(2L, 0));
        assertThat(keyedState(harness, sourceRow(2, 1).sampleKey(), WAITING).get())
                .extracting(r -> r.checkpoint).containsExactly(1);
        assertThat(keyedStateEntries(harness)).as("sample 2 and 3 still wait for checkpoint 1").isEqualTo(2);

        harness.processBroadcastElement(probeModel(1, PROBES), 0L);
        assertThat(harness.extractOutputValues()).hasSize(4);
        assertThat(keyedStateEntries(harness)).isZero();
    }

    @Test
    void aRowAfterItsModelIsScoredAtOnce() throws Exception {
        ProbeModel model = probeModel(0, PROBES);
        harness.processBroadcastElement(model, 0L);
        assertThat(harness.extractOutputValues()).isEmpty();

        SourceRow row = sourceRow(11, 0);
        harness.processElement(row, 0L);

        assertThat(harness.extractOutputValues()).singleElement().satisfies(contribution -> {
            double[] expected = new ProbeCheckpoint(0, SKETCH_DIM, model.unitSketches).terms(row.sketch, row.learningRate);
            assertThat(bits(contribution.terms)).containsExactly(bits(expected));
        });
        assertThat(keyedStateEntries(harness)).isZero();
        assertThat(harness.getBroadcastState(InfluenceAccumulator.MODELS).get(model.modelKey())).isNotNull();
    }

    @Test
    void bufferedRowsAndBroadcastModelsSurviveARestore() throws Exception {
        harness.processElement(sourceRow(4, 1), 0L);
        harness.processBroadcastElement(probeModel(0, PROBES), 0L);
        OperatorSubtaskState snapshot = harness.snapshot(1L, 0L);

        try (KeyedBroadcastOperatorTestHarness<String, SourceRow, ProbeModel, Contribution> restored =
                new KeyedBroadcastOperatorTestHarness<>(
                        new CoBroadcastWithKeyedOperator<>(new InfluenceAccumulator(), List.of(InfluenceAccumulator.MODELS)),
                        SourceRow::sampleKey, Types.STRING, 1, 1, 0)) {
            OperatorTestData.withoutGenericTypes(restored);
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(sourceRow(5, 0), 0L);
            assertThat(restored.extractOutputValues()).as("checkpoint 0's model came back").extracting(e -> e.sampleId)
                    .containsExactly(5L);
            restored.processBroadcastElement(probeModel(1, PROBES), 0L);
            assertThat(restored.extractOutputValues()).as("sample 4's row came back").extracting(e -> e.sampleId)
                    .containsExactly(5L, 4L);
            assertThat(keyedStateEntries(restored)).isZero();
        }
    }

    @Test
    void theBufferedGaugeCountsRowsThatWaitedThroughARestore() throws Exception {
        harness.processElement(sourceRow(4, 1), 0L);
        harness.processElement(sourceRow(6, 2), 0L);
        assertThat(accumulator.bufferedSketches()).isEqualTo(2);
        OperatorSubtaskState snapshot = harness.snapshot(1L, 0L);

        InfluenceAccumulator restoredAccumulator = new InfluenceAccumulator();
        try (KeyedBroadcastOperatorTestHarness<String, SourceRow, ProbeModel, Contribution> restored =
                new KeyedBroadcastOperatorTestHarness<>(
                        new CoBroadcastWithKeyedOperator<>(restoredAccumulator, List.of(InfluenceAccumulator.MODELS)),
                        SourceRow::sampleKey, Types.STRING, 1, 1, 0)) {
            OperatorTestData.withoutGenericTypes(restored);
            restored.initializeState(snapshot);
            restored.open();
            restored.processBroadcastElement(probeModel(1, PROBES), 0L);
            assertThat(restoredAccumulator.bufferedSketches()).as("sample 6 still waits for checkpoint 2").isEqualTo(1);
            restored.processBroadcastElement(probeModel(2, PROBES), 0L);
            assertThat(restoredAccumulator.bufferedSketches()).isZero();
            assertThat(restored.extractOutputValues()).extracting(e -> e.sampleId).containsExactly(4L, 6L);
        }
    }

    private static long[] bits(double[] values) {
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToRawLongBits(values[i]);
        }
        return bits;
    }
}
