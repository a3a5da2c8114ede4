package dev.cadc.trainer.train;

import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A small random data set for the sketching tests: items with random features, questions and answers. */
final class TrainTestData {

    static final int IMAGE_DIM = 24;
    static final int QUESTIONS = 16;
    static final int ANSWERS = 28;
    static final float LEARNING_RATE = 0.01f;
    static final ProjectionSpec PROJECTION = new ProjectionSpec(48, 5L, ProjectionKind.KRONECKER);
    static final String RUN_ID = "sketch-test-run";

    private TrainTestData() {}

    /** {@code count} items over as many images, each with random features, question and answer. */
    static Encoded encoded(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<VqaItem> items = new ArrayList<>();
        float[][] features = new float[count][IMAGE_DIM];
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < IMAGE_DIM; j++) {
                features[i][j] = (float) random.nextDouble();
            }
            int answer = random.nextInt(ANSWERS);
            items.add(new VqaItem(1_000 + i, i, 0, random.nextInt(QUESTIONS), answer, answer, -1));
        }
        return new Encoded(items, features);
    }
}
