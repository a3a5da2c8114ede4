package dev.cadc.trainer.model;

import static dev.cadc.trainer.model.ModelTestData.ANSWERS;
import static dev.cadc.trainer.model.ModelTestData.IMAGE_DIM;
import static dev.cadc.trainer.model.ModelTestData.QUESTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The plain-Java forward pass computes every sum in the order it is defined in, so its values are reproducible bit for bit. */
class ModelWeightsTest {

    @Test
    void forwardEqualsTheColumnByColumnSumsBitForBit() {
        SplittableRandom random = new SplittableRandom(9);
        ModelWeights weights = ModelTestData.randomWeights(random, IMAGE_DIM, QUESTIONS, ANSWERS);
        for (int sample = 0; sample < 20; sample++) {
            float[] image = ModelTestData.values(random, IMAGE_DIM);
            int question = random.nextInt(QUESTIONS);

            ModelWeights.Activations activations = weights.forward(image, question);

            float[] fusionPre = columnByColumn(activations.fusionInput(), weights.wf(), weights.bf(), VqaModel.FUSION_DIM);
            assertThat(activations.fusionPre()).containsExactly(fusionPre);
            float[] fused = new float[fusionPre.length];
            for (int i = 0; i < fused.length; i++) {
                fused[i] = Math.max(0f, fusionPre[i]);
            }
            float[] logits = columnByColumn(fused, weights.wh(), weights.bh(), ANSWERS);
            float max = Float.NEGATIVE_INFINITY;
            for (float z : logits) {
                max = Math.max(max, z);
            }
            double[] exp = new double[ANSWERS];
            double sum = 0;
            for (int a = 0; a < ANSWERS; a++) {
                exp[a] = Math.exp(logits[a] - max);
                sum += exp[a];
            }
            for (int a = 0; a < ANSWERS; a++) {
                assertThat(activations.probabilities()[a]).as("sample %d answer %d", sample, a).isEqualTo((float) (exp[a] / sum));
            }
        }
    }

    /** The definition: output {@code o} is {@code b[o] + sum_i x[i] W[i][o]}, summed in double in input order. */
    private static float[] columnByColumn(float[] input, float[] weights, float[] bias, int out) {
        float[] result = new float[out];
        for (int o = 0; o < out; o++) {
            double sum = bias[o];
            for (int i = 0; i < input.length; i++) {
                sum += (double) input[i] * weights[i * out + o];
            }
            result[o] = (float) sum;
        }
        return result;
    }
}
