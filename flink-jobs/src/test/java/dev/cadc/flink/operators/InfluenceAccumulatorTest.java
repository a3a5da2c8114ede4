package dev.cadc.flink.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.math.Vectors;
import dev.cadc.flink.records.BuilderEvent;
import dev.cadc.flink.records.ProbeModel;
import dev.cadc.flink.records.SourceRow;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class InfluenceAccumulatorTest {

    private static final int K = 8;

    @Test
    void aRowWaitsForItsModelThenYieldsExactlyTheCoreTerms() throws Exception {
        try (KeyedBroadcastOperatorTestHarness<String, SourceRow, ProbeModel, BuilderEvent> harness =
                ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new InfluenceAccumulator(), SourceRow::sampleKey,
                        Types.STRING, InfluenceAccumulator.MODELS)) {
            harness.open();
            SourceRow early = row(1, 0, 1);
            harness.processElement(early, 0);
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(keyedEntries(harness)).as("the row waits in keyed state").isEqualTo(1);

            ProbeModel model = model(0, 2);
            harness.processBroadcastElement(model, 0);
            assertThat(harness.extractOutputValues()).singleElement().satisfies(contribution -> {
                assertThat(contribution.sampleId).isEqualTo(1);
                assertThat(contribution.terms).containsExactly(
                        new ProbeCheckpoint(0, K, model.unitSketches).terms(early.sketch, early.learningRate));
            });
            assertThat(keyedEntries(harness)).as("the buffer is empty again").isZero();

            harness.processElement(row(2, 0, 3), 0);
            assertThat(harness.extractOutputValues()).as("a row after its model goes out at once").hasSize(2);
            harness.processElement(row(3, 1, 4), 0);
            assertThat(harness.extractOutputValues()).as("checkpoint 1 has no model yet").hasSize(2);
            assertThat(keyedEntries(harness)).isEqualTo(1);
        }
    }

    private static int keyedEntries(KeyedBroadcastOperatorTestHarness<String, SourceRow, ProbeModel, BuilderEvent> harness) {
        return ((HeapKeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend()).numKeyValueStateEntries();
    }

    private static SourceRow row(long sample, int checkpoint, long seed) {
        return new SourceRow("run", sample, checkpoint, 10L * checkpoint, 0.01f, gaussian(seed));
    }

    private static ProbeModel model(int checkpoint, int probes) {
        float[] unit = new float[probes * K];
        for (int p = 0; p < probes; p++) {
            float[] sketch = Vectors.normalized(gaussian(100 + p));
            System.arraycopy(sketch, 0, unit, p * K, K);
        }
        long[] ids = new long[probes];
        for (int p = 0; p < probes; p++) {
            ids[p] = 1000 + p;
        }
        return new ProbeModel("run", checkpoint, K, ids, unit);
    }

    private static float[] gaussian(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[K];
        for (int d = 0; d < K; d++) {
            values[d] = (float) random.nextGaussian();
        }
        return values;
    }
}
