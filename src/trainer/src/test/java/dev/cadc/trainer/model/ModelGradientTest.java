package dev.cadc.trainer.model;

import static dev.cadc.trainer.model.ModelTestData.ANSWERS;
import static dev.cadc.trainer.model.ModelTestData.IMAGE_DIM;
import static dev.cadc.trainer.model.ModelTestData.QUESTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The plain-Java forward pass and closed-form per-sample gradients agree with DJL's engine. */
class ModelGradientTest {

    @Test
    void closedFormPerSampleGradientEqualsAutogradAtBatchSizeOne() {
        SplittableRandom random = new SplittableRandom(3);
        try (VqaModel model = new VqaModel(IMAGE_DIM, QUESTIONS, ANSWERS, 0.01f, 7)) {
            // A few steps first, so no layer is at its initial values.
            for (int step = 0; step < 5; step++) {
                model.step(images(random, 8), questions(random, 8), answers(random, 8));
            }
            ModelWeights weights = model.weights();
            for (int sample = 0; sample < 5; sample++) {
                float[] image = images(random, 1)[0];
                int question = random.nextInt(QUESTIONS);
                int answer = random.nextInt(ANSWERS);

                float[][] autograd = model.autogradWeightGradients(image, question, answer);
                ModelWeights.LayerGradient[] closedForm = weights.gradients(weights.forward(image, question), answer, null, null);

                for (int layer = 0; layer < 3; layer++) {
                    float[] expected = autograd[layer];
                    float[] actual = ModelWeights.weightGradient(closedForm[layer]);
                    assertThat(actual).hasSameSizeAs(expected);
                    for (int i = 0; i < expected.length; i++) {
                        assertThat(actual[i]).as("layer %d entry %d", layer, i).isCloseTo(expected[i], within(1e-5f));
                    }
                }
            }
        }
    }

    @Test
    void plainJavaLogitsMatchTheEngine() {
        SplittableRandom random = new SplittableRandom(4);
        try (VqaModel model = new VqaModel(IMAGE_DIM, QUESTIONS, ANSWERS, 0.01f, 8)) {
            model.step(images(random, 8), questions(random, 8), answers(random, 8));
            float[][] images = images(random, 6);
            int[] questions = questions(random, 6);
            float[][] engine = model.logits(images, questions);
            ModelWeights weights = model.weights();
            for (int i = 0; i < images.length; i++) {
                float[] probabilities = weights.forward(images[i], questions[i]).probabilities();
                float[] expected = softmax(engine[i]);
                for (int a = 0; a < ANSWERS; a++) {
                    assertThat(probabilities[a]).isCloseTo(expected[a], within(1e-5f));
                }
            }
        }
    }

    private static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float z : logits) {
            max = Math.max(max, z);
        }
        double sum = 0;
        for (float z : logits) {
            sum += Math.exp(z - max);
        }
        float[] p = new float[logits.length];
        for (int a = 0; a < logits.length; a++) {
            p[a] = (float) (Math.exp(logits[a] - max) / sum);
        }
        return p;
    }

    private static float[][] images(SplittableRandom random, int count) {
        float[][] images = new float[count][IMAGE_DIM];
        for (float[] image : images) {
            for (int d = 0; d < IMAGE_DIM; d++) {
                image[d] = (float) Math.max(0, random.nextGaussian());
            }
        }
        return images;
    }

    private static int[] questions(SplittableRandom random, int count) {
        return random.ints(count, 0, QUESTIONS).toArray();
    }

    private static int[] answers(SplittableRandom random, int count) {
        return random.ints(count, 0, ANSWERS).toArray();
    }
}
