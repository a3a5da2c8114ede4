package dev.cadc.trainer.model;

import static dev.cadc.trainer.model.ModelTestData.ANSWERS;
import static dev.cadc.trainer.model.ModelTestData.IMAGE_DIM;
import static dev.cadc.trainer.model.ModelTestData.QUESTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link VqaModel#step} zeroes only its own gradients and closes the gradient handles it takes: the same
 * losses, weights and optimiser state, bit for bit, as the step zeroing with DJL's
 * {@code GradientCollector.zeroGradients()} (which it did up to 2026-11-30), and no engine arrays left behind,
 * so a step costs the same at step 10,000 as at step 10 (DJL's zeroing walks every array of the process
 * and attaches two new gradient handles per trainable array to its manager; reading a gradient attached
 * one more).
 */
class VqaModelStepTest {

    @Test
    void stepsAreBitForBitThoseZeroingWithDjlsCollector() {
        SplittableRandom random = new SplittableRandom(21);
        // A third model steps in between, as the bench's three do: DJL's zeroing zeroed its gradients too.
        try (VqaModel model = new VqaModel(IMAGE_DIM, QUESTIONS, ANSWERS, 0.01f, 9);
                VqaModel reference = new VqaModel(IMAGE_DIM, QUESTIONS, ANSWERS, 0.01f, 9);
                VqaModel other = new VqaModel(IMAGE_DIM, QUESTIONS, ANSWERS, 0.01f, 10)) {
            for (int step = 0; step < 30; step++) {
                float[][] images = images(random);
                int[] questions = random.ints(8, 0, QUESTIONS).toArray();
                int[] answers = random.ints(8, 0, ANSWERS).toArray();
                float referenceLoss = reference.stepZeroingWithDjlsCollector(images, questions, answers);
                other.step(images, questions, answers);
                assertThat(Float.floatToRawIntBits(model.step(images, questions, answers))).as("loss of step %d", step)
                        .isEqualTo(Float.floatToRawIntBits(referenceLoss));
            }
            assertThat(model.state()).usingRecursiveComparison().isEqualTo(reference.state());
        }
    }

    @Test
    void aStepLeavesNoEngineArraysBehind() {
        SplittableRandom random = new SplittableRandom(22);
        try (VqaModel model = new VqaModel(IMAGE_DIM, QUESTIONS, ANSWERS, 0.01f, 9)) {
            model.step(images(random), random.ints(8, 0, QUESTIONS).toArray(), random.ints(8, 0, ANSWERS).toArray());
            int arrays = engineArrays();
            for (int step = 0; step < 20; step++) {
                model.step(images(random), random.ints(8, 0, QUESTIONS).toArray(), random.ints(8, 0, ANSWERS).toArray());
            }
            assertThat(engineArrays()).as("engine arrays after 20 more steps").isEqualTo(arrays);
        }
    }

    /** How many arrays the engine's managers hold (a base manager's parent is the engine's system manager). */
    private static int engineArrays() {
        try (NDManager base = NDManager.newBaseManager()) {
            return base.getParentManager().getManagedArrays().size();
        }
    }

    private static float[][] images(SplittableRandom random) {
        float[][] images = new float[8][];
        for (int i = 0; i < images.length; i++) {
            images[i] = ModelTestData.values(random, IMAGE_DIM);
        }
        return images;
    }
}
