package dev.cadc.trainer.train;

import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Minibatch training over stages: stage s runs its share of the steps on everything introduced in
 * stages 1..s (cumulative, so nothing learnt early is dropped), drawing each batch uniformly from
 * that union with a seeded stream. A single stage is plain training.
 */
public final class TrainingLoop {

    public static final int BATCH_SIZE = 64;

    /** Called after every step: the global step, the stage (1-based) and the batch loss. */
    @FunctionalInterface
    public interface StepListener {
        void onStep(int step, int stage, float loss);
    }

    private TrainingLoop() {}

    /**
     * Trains {@code model} for {@code totalSteps} steps split over the stages by {@code shares}.
     *
     * @param stages the items each stage introduces
     */
    public static void train(VqaModel model, Encoded data, List<List<VqaItem>> stages, double[] shares, int totalSteps,
            long seed, StepListener listener) {
        SplittableRandom random = new SplittableRandom(seed);
        List<VqaItem> available = new ArrayList<>();
        int step = 0;
        for (int s = 0; s < stages.size(); s++) {
            available.addAll(stages.get(s));
            int stageSteps = s == stages.size() - 1 ? totalSteps - step : (int) Math.round(totalSteps * shares[s]);
            if (available.isEmpty()) {
                continue;
            }
            for (int i = 0; i < stageSteps; i++, step++) {
                float[][] features = new float[BATCH_SIZE][];
                int[] questions = new int[BATCH_SIZE];
                int[] answers = new int[BATCH_SIZE];
                for (int b = 0; b < BATCH_SIZE; b++) {
                    VqaItem item = available.get(random.nextInt(available.size()));
                    features[b] = data.featuresOf(item);
                    questions[b] = item.question();
                    answers[b] = item.answer();
                }
                float loss = model.step(features, questions, answers);
                if (listener != null) {
                    listener.onStep(step, s + 1, loss);
                }
            }
        }
    }
}
