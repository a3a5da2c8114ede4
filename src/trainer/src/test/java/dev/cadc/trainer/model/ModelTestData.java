package dev.cadc.trainer.model;

import java.util.SplittableRandom;

/** Random model weights for tests that check how the plain-Java model computes, not what it learned. */
public final class ModelTestData {

    /** The sizes of the small model the model tests build. */
    public static final int IMAGE_DIM = 24;
    public static final int QUESTIONS = 16;
    public static final int ANSWERS = 28;

    private ModelTestData() {}

    /** Weights of a model of the given sizes, every value uniform in [-0.5, 0.5). */
    public static ModelWeights randomWeights(SplittableRandom random, int imageDim, int questions, int answers) {
        return new ModelWeights(imageDim, questions, answers,
                values(random, questions * VqaModel.QUESTION_DIM), values(random, VqaModel.QUESTION_DIM),
                values(random, (imageDim + VqaModel.QUESTION_DIM) * VqaModel.FUSION_DIM), values(random, VqaModel.FUSION_DIM),
                values(random, VqaModel.FUSION_DIM * answers), values(random, answers));
    }

    /** {@code count} values uniform in [-0.5, 0.5). */
    public static float[] values(SplittableRandom random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextDouble() - 0.5);
        }
        return values;
    }
}
