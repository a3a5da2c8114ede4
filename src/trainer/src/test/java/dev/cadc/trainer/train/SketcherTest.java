package dev.cadc.trainer.train;

import static dev.cadc.trainer.train.TrainTestData.ANSWERS;
import static dev.cadc.trainer.train.TrainTestData.IMAGE_DIM;
import static dev.cadc.trainer.train.TrainTestData.LEARNING_RATE;
import static dev.cadc.trainer.train.TrainTestData.PROJECTION;
import static dev.cadc.trainer.train.TrainTestData.QUESTIONS;
import static dev.cadc.trainer.train.TrainTestData.RUN_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.trainer.model.ModelTestData;
import dev.cadc.trainer.model.ModelWeights;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A batch's TRAIN sketches with one forward pass per sample are bit for bit those of the two-pass sketcher. */
class SketcherTest {

    @Test
    void selfCentredSketchesWithOneForwardPassEqualTheTwoPassOnesBitForBit() {
        Encoded data = TrainTestData.encoded(40, 1);
        ModelWeights weights = ModelTestData.randomWeights(new SplittableRandom(2), IMAGE_DIM, QUESTIONS, ANSWERS);
        // Drawn with replacement, as a training batch is: duplicates count twice in the means.
        SplittableRandom draw = new SplittableRandom(3);
        List<VqaItem> batch = java.util.stream.IntStream.range(0, TrainingLoop.BATCH_SIZE)
                .mapToObj(i -> data.items().get(draw.nextInt(data.items().size()))).toList();

        List<SketchBatch> onePass = Sketcher.selfCentredBatches(PROJECTION, weights, data, batch, RUN_ID, Role.TRAIN, 2, 17,
                LEARNING_RATE);
        List<SketchBatch> twoPass = new Sketcher(PROJECTION, weights, new Encoded(batch, data.features()))
                .batches(RUN_ID, data, batch, Role.TRAIN, 2, 17, LEARNING_RATE);

        assertThat(onePass).hasSameSizeAs(twoPass).hasSize(1);
        assertThat(onePass.get(0).rowCount()).isEqualTo(TrainingLoop.BATCH_SIZE);
        assertThat(SketchCodec.encode(onePass.get(0))).isEqualTo(SketchCodec.encode(twoPass.get(0)));
    }
}
