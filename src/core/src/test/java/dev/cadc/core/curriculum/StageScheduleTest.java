package dev.cadc.core.curriculum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StageScheduleTest {

    private static final int BATCH = 64;
    private static final long STEPS = 1_875;

    @Test
    void equalExposureGivesEveryItemTheDrawsOfTrainingWithoutStages() {
        int[] sizes = {700, 500, 800};
        int items = Arrays.stream(sizes).sum();
        StageSchedule schedule = StageSchedule.equalExposure(sizes);

        assertThat(Arrays.stream(schedule.stepShares()).sum()).isCloseTo(1.0, within(1e-12));
        double withoutStages = (double) STEPS * BATCH / items;
        for (int stage = 0; stage < sizes.length; stage++) {
            assertThat(schedule.expectedDraws(sizes, stage, STEPS, BATCH)).as("stage %d", stage)
                    .isCloseTo(withoutStages, within(1e-9));
        }
    }

    @Test
    void sizeProportionalSharesByHand() {
        // Cumulative training sets 10, 30, 60 of 100 summed: 0.1, 0.3, 0.6; own sets 10, 20, 30 of 60.
        assertThat(StagePlan.sizeProportionalShares(new long[] {10, 20, 30}, true)).containsExactly(0.1, 0.3, 0.6);
        assertThat(StagePlan.sizeProportionalShares(new long[] {10, 20, 30}, false))
                .containsExactly(10.0 / 60, 20.0 / 60, 30.0 / 60);
        // An empty first stage trains on nothing and gets no steps; no samples at all: equal shares.
        assertThat(StagePlan.sizeProportionalShares(new long[] {0, 5, 5}, true)).containsExactly(0.0, 5.0 / 15, 10.0 / 15);
        assertThat(StagePlan.sizeProportionalShares(new long[] {0, 0}, true)).containsExactly(0.5, 0.5);
        // Every stage then draws its samples at one rate: share over training-set size is constant.
        double[] shares = StagePlan.sizeProportionalShares(new long[] {700, 500, 800}, true);
        assertThat(shares[0] / 700).isCloseTo(shares[1] / 1200, within(1e-15)).isCloseTo(shares[2] / 2000, within(1e-15));
    }

    @Test
    void equalExposureByHandForThreeEqualStages() {
        // Weights 1/3, 1/2, 1; stage masses n/3, n/3 + n/2, n/3 + n/2 + n over N = 3n: shares 2:5:11 over 18.
        StageSchedule schedule = StageSchedule.equalExposure(new int[] {10, 10, 10});

        assertThat(schedule.itemWeights()).containsExactly(1.0 / 3, 1.0 / 2, 1.0);
        assertThat(schedule.stepShares()[0]).isCloseTo(2.0 / 18, within(1e-12));
        assertThat(schedule.stepShares()[1]).isCloseTo(5.0 / 18, within(1e-12));
        assertThat(schedule.stepShares()[2]).isCloseTo(11.0 / 18, within(1e-12));
    }

    @Test
    void uniformCumulativeStagesUnderExposeTheLastStage() {
        int[] sizes = {10, 10, 10};
        StageSchedule schedule = StageSchedule.uniform(StagePlan.equalShares(3).stepShares());

        double withoutStages = (double) STEPS * BATCH / 30;
        assertThat(schedule.expectedDraws(sizes, 2, STEPS, BATCH)).isCloseTo(withoutStages / 3, within(1e-9));
        assertThat(schedule.expectedDraws(sizes, 0, STEPS, BATCH)).isCloseTo(withoutStages * (1 + 1.0 / 2 + 1.0 / 3), within(1e-9));
    }

    @Test
    void anEmptyStageKeepsTheOthersEqual() {
        int[] sizes = {0, 40, 0, 60};
        StageSchedule schedule = StageSchedule.equalExposure(sizes);

        assertThat(schedule.expectedDraws(sizes, 1, STEPS, BATCH)).isCloseTo(STEPS * BATCH / 100.0, within(1e-9));
        assertThat(schedule.expectedDraws(sizes, 3, STEPS, BATCH)).isCloseTo(STEPS * BATCH / 100.0, within(1e-9));
        assertThat(schedule.stepShares()[0]).isZero();
    }

    @Test
    void noItemsIsAnError() {
        assertThatThrownBy(() -> StageSchedule.equalExposure(new int[] {0, 0})).hasMessageContaining("at least one item");
    }
}
