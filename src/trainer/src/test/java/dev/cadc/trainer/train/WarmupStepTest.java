package dev.cadc.trainer.train;

import static dev.cadc.trainer.train.TrainTestData.ANSWERS;
import static dev.cadc.trainer.train.TrainTestData.IMAGE_DIM;
import static dev.cadc.trainer.train.TrainTestData.LEARNING_RATE;
import static dev.cadc.trainer.train.TrainTestData.PROJECTION;
import static dev.cadc.trainer.train.TrainTestData.QUESTIONS;
import static dev.cadc.trainer.train.TrainTestData.RUN_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.SketchCodec;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The warm-up step with its sketches handed to a background pipeline takes the same steps and produces
 * the same TRAIN sketches, byte for byte, as the synchronous step, even when the sketching runs after
 * the model has moved on.
 */
class WarmupStepTest {

    private static final int STEPS = 12;
    /** The step whose sketching is held back until the trainer has taken this many more steps. */
    private static final int HELD_STEPS = 2;

    /** What a run of warm-up steps produced: the encoded sketch batches in publishing order and the losses. */
    private record Run(List<byte[]> sketches, float[] losses) {}

    @Test
    void backgroundSketchesAndLossesEqualTheSynchronousOnesByteForByte() {
        Encoded data = TrainTestData.encoded(200, 11);

        Run synchronous;
        try (SketchPipeline inline = SketchPipeline.inline()) {
            synchronous = run(data, inline, null);
        }
        Run background;
        CountDownLatch movedOn = new CountDownLatch(1);
        try (SketchPipeline pipeline = SketchPipeline.background("test-sketches", SketchPipeline.DEFAULT_CAPACITY)) {
            background = run(data, pipeline, movedOn);
        }

        assertThat(background.losses()).containsExactly(synchronous.losses());
        assertThat(background.sketches()).hasSize(STEPS);
        for (int step = 0; step < STEPS; step++) {
            assertThat(background.sketches().get(step)).as("sketch batch of step %d", step).isEqualTo(synchronous.sketches().get(step));
        }
    }

    /**
     * {@link #STEPS} warm-up steps publishing into a list. With {@code movedOn}, the first step's sketching
     * waits until the trainer has taken {@link #HELD_STEPS} more optimiser steps, so it can only be right if
     * it sketches a copy of the weights.
     */
    private static Run run(Encoded data, SketchPipeline pipeline, CountDownLatch movedOn) {
        List<byte[]> published = java.util.Collections.synchronizedList(new ArrayList<>());
        float[] losses = new float[STEPS];
        SplittableRandom random = new SplittableRandom(3);
        try (VqaModel model = new VqaModel(IMAGE_DIM, QUESTIONS, ANSWERS, LEARNING_RATE, 7)) {
            for (int step = 0; step < STEPS; step++) {
                List<VqaItem> batch = WarmupStep.drawBatch(data.items(), random);
                int index = step;
                losses[step] = WarmupStep.trainHandingOver(model, data, batch, pipeline, (before, items) -> {
                    if (index == 0 && movedOn != null) {
                        awaitQuietly(movedOn);
                    }
                    published.add(SketchCodec.encode(WarmupStep.trainSketches(before, data, items, PROJECTION, RUN_ID, -1, index,
                            LEARNING_RATE)));
                });
                if (step == HELD_STEPS && movedOn != null) {
                    movedOn.countDown();
                }
            }
            pipeline.flush();
        }
        return new Run(List.copyOf(published), losses);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the trainer did not move on within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
