package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.RUN;
import static dev.cadc.flink.operators.OperatorTestData.probeEvents;
import static dev.cadc.flink.operators.OperatorTestData.runStartEvent;
import static dev.cadc.flink.operators.OperatorTestData.sideOutput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.VersionPlan;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.RunEvent;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CapabilityClustererFunctionTest {

    private static final int CAPABILITIES = 3;
    private static final int K = 32;
    private static final JobConfig CONFIG = JobConfig.of(java.util.Map.of("k-min", "2", "k-max", "6"));
    /** Well separated capabilities, so the planted partition is recoverable from one checkpoint. */
    private static final PlantedSketches.PlantedSet PLANTED = PlantedSketches.generate(
            PlantedConfig.of(RUN, 7, CAPABILITIES, K).withPool(4, 6).withNoise(0.2).withCheckpoints(1));

    private KeyedOneInputStreamOperatorTestHarness<String, RunEvent, VersionPlan> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new CapabilityClustererFunction(CONFIG),
                event -> event.runId, Types.STRING);
        harness.processElement(runStartEvent(K, InfluenceSource.POOL), 0L);
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void aReleasedRunLeavesNothingAndTellsTheBuilderAndForAnExpiredRunTheAccumulators() throws Exception {
        for (RunEvent probe : probeEvents(PLANTED, 0)) {
            harness.processElement(probe, 0L);
        }
        harness.processElement(RunEvent.closed(RUN, 0, 5, false, 0L), 0L);
        harness.processElement(RunEvent.released(RUN, 0, false, 10L), 0L);

        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.extractOutputValues()).extracting(plan -> plan.kind)
                .containsExactly(VersionPlan.Kind.CLUSTERING, VersionPlan.Kind.RELEASE);
        assertThat(OperatorTestData.sideOutput(harness, CapabilityClustererFunction.PROBE_MODELS)).extracting(m -> m.released)
                .containsExactly(false);

        harness.processElement(runStartEvent(K, InfluenceSource.POOL), 0L);
        harness.processElement(RunEvent.released(RUN, -1, true, 20L), 0L);
        assertThat(OperatorTestData.sideOutput(harness, CapabilityClustererFunction.PROBE_MODELS)).extracting(m -> m.released)
                .containsExactly(false, true);
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void aClosedCheckpointYieldsOneClusteringAndItsProbeModel() throws Exception {
        List<RunEvent> probes = probeEvents(PLANTED, 0);
        // Arrival order must not matter: feed the probes in descending id order.
        for (int i = probes.size() - 1; i >= 0; i--) {
            harness.processElement(probes.get(i), 0L);
        }
        assertThat(harness.extractOutputValues()).isEmpty();
        harness.processElement(RunEvent.closed(RUN, 0, 123, true, 0L), 0L);

        VersionPlan clustering = harness.extractOutputValues().get(0);
        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(clustering.kind).isEqualTo(VersionPlan.Kind.CLUSTERING);
        assertThat(clustering.checkpoint).isZero();
        assertThat(clustering.probeIds).isSorted().containsExactly(PLANTED.probeIds());
        assertThat(clustering.assignment).hasSize(PLANTED.probeIds().length);
        assertThat(clustering.sourceRows).isEqualTo(123);
        assertThat(clustering.shortCheckpoint).isTrue();
        assertThat(clustering.sketchDim).isEqualTo(K);
        assertThat(clustering.trainSource).isFalse();
        assertThat(samePartition(clustering.assignment, PLANTED.probeCapability()))
                .as("clusters %s recover the planted capabilities %s", Arrays.toString(clustering.assignment),
                        Arrays.toString(PLANTED.probeCapability()))
                .isTrue();
        assertThat(clustering.difficulty).hasSize(CAPABILITIES);

        List<ProbeModel> models = sideOutput(harness, CapabilityClustererFunction.PROBE_MODELS);
        assertThat(models).singleElement().satisfies(model -> {
            assertThat(model.runId).isEqualTo(RUN);
            assertThat(model.checkpoint).isZero();
            assertThat(model.sketchDim).isEqualTo(K);
            assertThat(model.probeIds).containsExactly(clustering.probeIds);
            assertThat(model.unitSketches).hasSize(model.probeIds.length * K);
            for (int p = 0; p < model.probeIds.length; p++) {
                assertThat(norm(model.unitSketches, p, K)).as("norm of probe row %d", p).isCloseTo(1.0, within(1e-5));
            }
            // Row p is probe p's own sketch, normalised.
            float[] firstSketch = probes.get(0).probe.sketch;
            double firstNorm = norm(firstSketch, 0, K);
            for (int d = 0; d < K; d++) {
                assertThat((double) model.unitSketches[d]).isCloseTo(firstSketch[d] / firstNorm, within(1e-6));
            }
        });
    }

    @Test
    void aCheckpointThatBarelyMovesTheProbesKeepsEveryCapabilityId() throws Exception {
        List<RunEvent> probes = probeEvents(PLANTED, 0);
        for (RunEvent probe : probes) {
            harness.processElement(probe, 0L);
        }
        harness.processElement(RunEvent.closed(RUN, 0, 0, false, 0L), 0L);
        for (RunEvent probe : probes) {
            float[] moved = probe.probe.sketch.clone();
            for (int d = 0; d < moved.length; d++) {
                moved[d] = moved[d] * 1.01f + 1e-4f * ((d + probe.probe.sampleId) % 3 - 1);
            }
            harness.processElement(RunEvent.probeRow(RUN, 1, probe.probe.sampleId, probe.probe.loss * 0.9f, moved), 0L);
        }
        harness.processElement(RunEvent.closed(RUN, 1, 0, false, 0L), 0L);

        List<VersionPlan> clusterings = harness.extractOutputValues();
        assertThat(clusterings).extracting(e -> e.checkpoint).containsExactly(0, 1);
        assertThat(clusterings.get(1).probeIds).containsExactly(clusterings.get(0).probeIds);
        assertThat(clusterings.get(1).assignment).containsExactly(clusterings.get(0).assignment);
        assertThat(clusterings.get(1).nextCapabilityId).isEqualTo(clusterings.get(0).nextCapabilityId);
        assertThat(sideOutput(harness, CapabilityClustererFunction.PROBE_MODELS)).extracting(m -> m.checkpoint)
                .containsExactly(0, 1);
    }

    /** True when two labelings split the items the same way (up to renaming the labels). */
    private static boolean samePartition(int[] labels, int[] planted) {
        Map<Integer, Integer> forward = new HashMap<>();
        Map<Integer, Integer> backward = new HashMap<>();
        for (int i = 0; i < labels.length; i++) {
            Integer mappedTo = forward.putIfAbsent(labels[i], planted[i]);
            Integer mappedFrom = backward.putIfAbsent(planted[i], labels[i]);
            if ((mappedTo != null && mappedTo != planted[i]) || (mappedFrom != null && mappedFrom != labels[i])) {
                return false;
            }
        }
        return true;
    }

    private static double norm(float[] values, int row, int width) {
        double sum = 0;
        for (int d = 0; d < width; d++) {
            double v = values[row * width + d];
            sum += v * v;
        }
        return Math.sqrt(sum);
    }
}
