package dev.cadc.trainer.train;

import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.trainer.model.ModelWeights;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The parts of one warm-up step of the reference trainer ({@link LiveTrainer}): draw a batch, hand a
 * copy of the weights it sees to the sketch pipeline, which sketches every sample of it at them (the
 * TRAIN rows), and take the optimiser step. Kept apart so that {@code cadc bench trainer} times the very
 * code the trainer runs, with and without the sketches.
 */
public final class WarmupStep {

    private WarmupStep() {}

    /** The warm-up's random 5% of the pool (at least one item), shuffled by a seed drawn from {@code random}. */
    public static List<VqaItem> warmupItems(List<VqaItem> pool, SplittableRandom random) {
        List<VqaItem> shuffled = new ArrayList<>(pool);
        Collections.shuffle(shuffled, new Random(random.nextLong()));
        return shuffled.subList(0, Math.max(1, pool.size() / 20));
    }

    /** {@link TrainingLoop#BATCH_SIZE} items drawn uniformly, with replacement, from {@code items}. */
    public static List<VqaItem> drawBatch(List<VqaItem> items, SplittableRandom random) {
        List<VqaItem> batch = new ArrayList<>(TrainingLoop.BATCH_SIZE);
        for (int b = 0; b < TrainingLoop.BATCH_SIZE; b++) {
            batch.add(items.get(random.nextInt(items.size())));
        }
        return batch;
    }

    /**
     * The TRAIN sketches of {@code batch} at {@code weights} (the model before the step), centred by
     * the batch's own means, as one sketch batch.
     */
    public static SketchBatch trainSketches(ModelWeights weights, Encoded pool, List<VqaItem> batch, ProjectionSpec projection,
            String runId, int checkpoint, long step, float learningRate) {
        return Sketcher.selfCentredBatches(projection, weights, pool, batch, runId, Role.TRAIN, checkpoint, step, learningRate).get(0);
    }

    /** What a step hands to its sketch pipeline: the work on the batch at the weights it saw. */
    @FunctionalInterface
    public interface SketchJob {
        /**
         * @param before a copy of the weights the batch was trained at, which later steps do not change
         * @param batch the batch, unmodifiable
         */
        void run(ModelWeights before, List<VqaItem> batch);
    }

    /**
     * One optimiser step of {@code model} on {@code batch} that hands {@code job} (sketch the batch, publish
     * the sketches) to {@code pipeline} first. The job gets a copy of the weights taken before the step, so
     * it computes exactly what it would compute in the training thread, wherever and whenever it runs.
     *
     * @return the batch's mean loss
     */
    public static float trainHandingOver(VqaModel model, Encoded pool, List<VqaItem> batch, SketchPipeline pipeline, SketchJob job) {
        ModelWeights before = model.weights();
        List<VqaItem> items = List.copyOf(batch);
        pipeline.submit(() -> job.run(before, items));
        return train(model, pool, items);
    }

    /** Whether warm-up step {@code step} publishes its TRAIN sketches when one step in {@code every} does. */
    public static boolean sketches(long step, int every) {
        return step % every == 0;
    }

    /** One optimiser step of {@code model} on {@code batch}; returns the batch's mean loss. */
    public static float train(VqaModel model, Encoded pool, List<VqaItem> batch) {
        float[][] features = batch.stream().map(pool::featuresOf).toArray(float[][]::new);
        return model.step(features, batch.stream().mapToInt(VqaItem::question).toArray(),
                batch.stream().mapToInt(VqaItem::answer).toArray());
    }
}
