package dev.cadc.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The model's own Adam is DJL's Adam, bit for bit, with state that can be read (the LESS-style
 * preconditioner) and copied (a model that trains on exactly as the original would).
 */
class AdamStateTest {

    @Test
    void updatesWeightsBitForBitAsDjlsAdamDoes() {
        SplittableRandom random = new SplittableRandom(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] initial = gaussian(random, 12);
            NDArray djlWeight = manager.create(initial, new Shape(3, 4));
            NDArray ownWeight = manager.create(initial, new Shape(3, 4));
            djlWeight.setRequiresGradient(true);
            ownWeight.setRequiresGradient(true);
            Optimizer djl = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build();
            AdamState own = new AdamState(0.01f, new NDArray[] {ownWeight});
            for (int step = 0; step < 6; step++) {
                float[] gradient = gaussian(random, 12);
                djl.update("w", djlWeight, manager.create(gradient, new Shape(3, 4)));
                own.step(new NDArray[] {ownWeight}, new NDArray[] {manager.create(gradient, new Shape(3, 4))});
                assertThat(ownWeight.toFloatArray()).as("step %d", step).containsExactly(djlWeight.toFloatArray());
            }
            assertThat(own.updates()).isEqualTo(6);
            assertThat(own.firstMoment(0)).hasSize(12).doesNotContain(0f);
        }
    }

    @Test
    void aCopyOfAModelTrainsOnExactlyAsTheModelDoes() {
        SplittableRandom random = new SplittableRandom(6);
        int imageDim = 24;
        try (VqaModel model = new VqaModel(imageDim, 16, 28, 0.01f, 9)) {
            for (int step = 0; step < 4; step++) {
                model.step(images(random, imageDim), questions(random), answers(random));
            }
            VqaModel.State state = model.state();
            assertThat(state.updates()).isEqualTo(4);
            try (VqaModel copy = VqaModel.copy(state)) {
                assertThat(copy.weights()).usingRecursiveComparison().isEqualTo(model.weights());
                for (int step = 0; step < 3; step++) {
                    float[][] images = images(random, imageDim);
                    int[] questions = questions(random);
                    int[] answers = answers(random);
                    assertThat(copy.step(images, questions, answers)).isEqualTo(model.step(images, questions, answers));
                }
                assertThat(copy.weights()).usingRecursiveComparison().isEqualTo(model.weights());
                assertThat(copy.state()).usingRecursiveComparison().isEqualTo(model.state());
            }
        }
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }

    private static float[][] images(SplittableRandom random, int dim) {
        float[][] images = new float[8][];
        for (int i = 0; i < images.length; i++) {
            images[i] = gaussian(random, dim);
        }
        return images;
    }

    private static int[] questions(SplittableRandom random) {
        return random.ints(8, 0, 16).toArray();
    }

    private static int[] answers(SplittableRandom random) {
        return random.ints(8, 0, 28).toArray();
    }
}
