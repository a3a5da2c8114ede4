package dev.cadc.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.math.Vectors;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.BuilderEvent;
import dev.cadc.flink.records.OutputRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class CurriculumBuilderTest {

    private static final int K = 8;
    private static final int PROBES = 6;
    private static final int SAMPLES = 40;

    @Test
    void aVersionIsBuiltOnlyOnceTheClusteringAndEveryContributionAreIn() throws Exception {
        float[] unit = new float[PROBES * K];
        long[] probeIds = new long[PROBES];
        for (int p = 0; p < PROBES; p++) {
            probeIds[p] = 1000 + p;
            System.arraycopy(Vectors.normalized(gaussian(50 + p % 2, 0.1, p)), 0, unit, p * K, K);
        }
        ProbeCheckpoint probes = new ProbeCheckpoint(0, K, unit);
        List<BuilderEvent> contributions = new ArrayList<>();
        for (int s = 0; s < SAMPLES; s++) {
            float[] sketch = gaussian(50 + s % 2, 1.0, 200 + s);
            contributions.add(BuilderEvent.contribution("run", s, 0, 0, 0.01f, sketch, probes.terms(sketch, 0.01f)));
        }
        Collections.shuffle(contributions, new Random(4));
        BuilderEvent clustering = new BuilderEvent();
        clustering.runId = "run";
        clustering.kind = BuilderEvent.CLUSTERING;
        clustering.checkpoint = 0;
        clustering.probeIds = probeIds;
        clustering.assignment = new int[] {0, 1, 0, 1, 0, 1};
        clustering.difficulty = new double[] {0.5, 1.5};
        clustering.sourceRows = SAMPLES;
        clustering.sketchDim = K;

        JobConfig config = JobConfig.of(Map.of("budget", "10"));
        try (KeyedOneInputStreamOperatorTestHarness<String, BuilderEvent, OutputRecord> harness =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(new CurriculumBuilder(config), e -> e.runId, Types.STRING)) {
            harness.open();
            harness.processElement(clustering, 0);
            for (int i = 0; i < SAMPLES - 1; i++) {
                harness.processElement(contributions.get(i), 0);
            }
            assertThat(harness.extractOutputValues()).as("one contribution is still missing").isEmpty();
            harness.processElement(contributions.get(SAMPLES - 1), 0);

            List<OutputRecord> outputs = harness.extractOutputValues();
            assertThat(outputs).extracting(o -> o.topic).containsExactly(CadcTopics.CAPABILITIES, CadcTopics.CURRICULUM);
            Curriculum curriculum = CurriculumCodec.decode(outputs.get(1).value, "run");
            assertThat(curriculum.version()).isZero();
            assertThat(curriculum.poolSize()).isEqualTo(SAMPLES);
            assertThat(curriculum.entries().size() + curriculum.shortfall()).isEqualTo(10);
            assertThat(CapabilitiesCodec.decode(outputs.get(0).value, "run").capabilities()).hasSize(2);
            // Left: the samples, the probe ids, the source checkpoints and the next version; nothing pending.
            assertThat(harness.numKeyedStateEntries()).as("contributions folded, clustering used").isEqualTo(4);
        }
    }

    /** A vector around one of two directions (seeded by {@code center}) with noise of the given size. */
    private static float[] gaussian(long center, double noise, long seed) {
        SplittableRandom base = new SplittableRandom(center);
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[K];
        for (int d = 0; d < K; d++) {
            values[d] = (float) (base.nextGaussian() + noise * random.nextGaussian());
        }
        return values;
    }
}
