package dev.cadc.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.BuilderEvent;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.RunEvent;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class CapabilityClustererFunctionTest {

    @Test
    void eachClosedCheckpointYieldsAClusteringAndAProbeModelWithStableIds() throws Exception {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(PlantedConfig.of("clusterer", 3, 4, 64).withPool(5, 12));
        try (KeyedOneInputStreamOperatorTestHarness<String, RunEvent, BuilderEvent> harness =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new CapabilityClustererFunction(JobConfig.defaults()), event -> event.runId, Types.STRING)) {
            harness.open();
            RunEvent start = new RunEvent();
            start.runId = "clusterer";
            start.kind = RunEvent.RUN_START;
            start.sketchDim = 64;
            start.influenceSource = "pool";
            harness.processElement(start, 0);
            for (int checkpoint = 0; checkpoint < 2; checkpoint++) {
                for (SketchBatch batch : set.batches()) {
                    for (int r = 0; r < batch.rowCount(); r++) {
                        if (batch.role(r) == Role.PROBE && batch.checkpoint(r) == checkpoint) {
                            harness.processElement(RunEvent.probeRow("clusterer", checkpoint, batch.sampleId(r), batch.loss(r),
                                    batch.sketch(r)), 0);
                        }
                    }
                }
                harness.processElement(RunEvent.closed("clusterer", checkpoint, 77, false), 0);
            }

            List<BuilderEvent> clusterings = harness.extractOutputValues();
            assertThat(clusterings).extracting(e -> e.checkpoint).containsExactly(0, 1);
            assertThat(clusterings.get(0).probeIds).containsExactly(set.probeIds());
            assertThat(clusterings.get(1).sourceRows).isEqualTo(77);
            assertThat(clusterings.get(1).assignment).as("ids kept across a checkpoint that changes little")
                    .containsExactly(clusterings.get(0).assignment);
            assertThat(dev.cadc.core.capability.ClusterAgreement.adjustedRandIndex(clusterings.get(1).assignment,
                    set.probeCapability())).isGreaterThanOrEqualTo(0.9);

            List<ProbeModel> models = harness.getSideOutput(CapabilityClustererFunction.PROBE_MODELS).stream()
                    .map(record -> record.getValue()).toList();
            assertThat(models).extracting(m -> m.checkpoint).containsExactly(0, 1);
            ProbeModel model = models.get(1);
            for (int p = 0; p < model.probeIds.length; p++) {
                double norm = 0;
                for (int d = 0; d < model.sketchDim; d++) {
                    norm += model.unitSketches[p * model.sketchDim + d] * model.unitSketches[p * model.sketchDim + d];
                }
                assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }
}
