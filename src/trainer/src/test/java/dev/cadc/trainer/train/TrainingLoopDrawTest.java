package dev.cadc.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cadc.core.curriculum.StageSchedule;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The draws of a stage follow the schedule: uniform as plain training, or weighted by introducing stage. */
class TrainingLoopDrawTest {

    private static final List<List<VqaItem>> STAGES = List.of(items(0, 10), items(100, 10), items(200, 10));

    @Test
    void uniformDrawsAreExactlyThoseOfPlainTraining() {
        List<VqaItem> available = STAGES.stream().flatMap(List::stream).toList();
        TrainingLoop.Draw draw = TrainingLoop.Draw.of(STAGES, StageSchedule.uniform(new double[] {0.2, 0.3, 0.5}), available);
        SplittableRandom drawing = new SplittableRandom(5);
        SplittableRandom plain = new SplittableRandom(5);

        for (int i = 0; i < 1_000; i++) {
            assertThat(draw.next(drawing)).isSameAs(available.get(plain.nextInt(available.size())));
        }
    }

    @Test
    void equalExposureDrawsEachIntroducingStageByItsMass() {
        StageSchedule schedule = StageSchedule.equalExposure(new int[] {10, 10, 10});
        List<VqaItem> available = STAGES.stream().flatMap(List::stream).toList();
        TrainingLoop.Draw draw = TrainingLoop.Draw.of(STAGES, schedule, available);
        SplittableRandom random = new SplittableRandom(11);
        int draws = 300_000;
        int[] byStage = new int[3];
        for (int i = 0; i < draws; i++) {
            byStage[(int) (draw.next(random).id() / 100)]++;
        }

        // Masses 10/3, 10/2, 10 of 55/3 in the last stage.
        double total = 10.0 / 3 + 5 + 10;
        assertThat(byStage[0] / (double) draws).isCloseTo(10.0 / 3 / total, within(0.005));
        assertThat(byStage[1] / (double) draws).isCloseTo(5 / total, within(0.005));
        assertThat(byStage[2] / (double) draws).isCloseTo(10 / total, within(0.005));
    }

    @Test
    void anEmptyIntroducingStageIsNeverDrawnFrom() {
        List<List<VqaItem>> stages = List.of(items(0, 5), List.of(), items(200, 5));
        StageSchedule schedule = StageSchedule.equalExposure(new int[] {5, 0, 5});
        List<VqaItem> available = new ArrayList<>(stages.get(0));
        available.addAll(stages.get(2));
        TrainingLoop.Draw draw = TrainingLoop.Draw.of(stages, schedule, available);
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 10_000; i++) {
            assertThat(draw.next(random).id() / 100).isIn(0L, 2L);
        }
    }

    private static List<VqaItem> items(long firstId, int count) {
        return LongStream.range(firstId, firstId + count).mapToObj(id -> new VqaItem(id, 0, 0, 0, 0, 0, -1)).toList();
    }
}
