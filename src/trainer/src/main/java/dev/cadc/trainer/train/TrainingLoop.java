package dev.cadc.trainer.train;

import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.vqa.VqaItem;
import dev.cadc.core.curriculum.StageSchedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Minibatch training over stages: stage s runs its share of the steps on everything introduced in
 * stages 1..s (cumulative, so nothing learnt early is dropped), drawing each batch from that union
 * with a seeded stream: uniformly, or weighted by the stage that introduced each item when the
 * {@link StageSchedule} says so (equal exposure). A single stage is plain training.
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
        train(model, data, stages, StageSchedule.uniform(shares), totalSteps, seed, listener);
    }

    /** Trains {@code model} for {@code totalSteps} steps over the stages as {@code schedule} says. */
    public static void train(VqaModel model, Encoded data, List<List<VqaItem>> stages, StageSchedule schedule, int totalSteps,
            long seed, StepListener listener) {
        if (schedule.stages() != stages.size()) {
            throw new IllegalArgumentException(stages.size() + " stages but a schedule for " + schedule.stages());
        }
        double[] shares = schedule.stepShares();
        SplittableRandom random = new SplittableRandom(seed);
        List<VqaItem> available = new ArrayList<>();
        int step = 0;
        for (int s = 0; s < stages.size(); s++) {
            available.addAll(stages.get(s));
            int stageSteps = s == stages.size() - 1 ? totalSteps - step : (int) Math.round(totalSteps * shares[s]);
            if (available.isEmpty()) {
                continue;
            }
            Draw draw = Draw.of(stages.subList(0, s + 1), schedule, available);
            for (int i = 0; i < stageSteps; i++, step++) {
                float[][] features = new float[BATCH_SIZE][];
                int[] questions = new int[BATCH_SIZE];
                int[] answers = new int[BATCH_SIZE];
                for (int b = 0; b < BATCH_SIZE; b++) {
                    VqaItem item = draw.next(random);
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

    /**
     * One draw of a stage: uniform over everything available (one random int, as plain training), or
     * first the introducing stage by its mass {@code n_j w_j}, then an item of it uniformly.
     */
    record Draw(List<VqaItem> available, List<List<VqaItem>> groups, double[] cumulativeMass) {

        static Draw of(List<List<VqaItem>> introduced, StageSchedule schedule, List<VqaItem> available) {
            boolean uniform = Arrays.stream(schedule.itemWeights()).distinct().count() == 1;
            if (uniform) {
                return new Draw(available, List.of(), new double[0]);
            }
            double[] cumulative = new double[introduced.size()];
            double mass = 0;
            for (int j = 0; j < introduced.size(); j++) {
                mass += introduced.get(j).size() * schedule.itemWeight(j);
                cumulative[j] = mass;
            }
            return new Draw(available, introduced, cumulative);
        }

        VqaItem next(SplittableRandom random) {
            if (groups.isEmpty()) {
                return available.get(random.nextInt(available.size()));
            }
            double u = random.nextDouble() * cumulativeMass[cumulativeMass.length - 1];
            int group = 0;
            while (group < cumulativeMass.length - 1 && (u >= cumulativeMass[group] || groups.get(group).isEmpty())) {
                group++;
            }
            List<VqaItem> items = groups.get(group);
            return items.get(random.nextInt(items.size()));
        }
    }
}
