package dev.cadc.core.curriculum;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WaterFillTest {

    private static final long ANY = Long.MAX_VALUE;

    @Test
    void equalSharesWithTheRemainderToTheLowestIndices() {
        assertThat(WaterFill.counts(11, new long[] {ANY, ANY, ANY})).containsExactly(4, 4, 3);
    }

    @Test
    void whatAShortCapabilityCannotGiveIsSharedAgainAmongTheOthers() {
        // Shares 4/4/4; capability 1 gives 1, so 3 go again to 0 and 2 (2 to the lower index); 0 then gives
        // only 5, so its last one goes to 2.
        assertThat(WaterFill.counts(12, new long[] {5, 1, ANY})).containsExactly(5, 1, 6);
    }

    @Test
    void tooFewAvailableGivesEverythingAndTheRestIsTheShortfall() {
        long[] given = WaterFill.counts(20, new long[] {3, 0, 4});
        assertThat(given).containsExactly(3, 0, 4);
    }

    @Test
    void noBudgetOrNoCapabilityGivesNothing() {
        assertThat(WaterFill.counts(0, new long[] {ANY, ANY})).containsExactly(0, 0);
        assertThat(WaterFill.counts(5, new long[0])).isEmpty();
    }

    @Test
    void limitsAreTheSplitOverCandidateCounts() {
        assertThat(WaterFill.limits(15, new long[] {2, 10, 10})).containsExactly(2, 7, 6);
    }

    @Test
    void aSplitGivesUpToEachLimitThenSharesTheGapAmongOrdersThatGoFurther() {
        // Capability 0 ran out after 1 pick (near-duplicates 5 and 6 met after 0 and 1 picks); capability 1's
        // order has 6 picks (near-duplicate 7 met after 4); capability 2's has 3.
        CapabilityPicks.Picks[] picks = {
            new CapabilityPicks.Picks(new int[] {0}, new int[] {5, 6}, new int[] {0, 1}, true),
            new CapabilityPicks.Picks(new int[] {0, 1, 2, 3, 4, 5}, new int[] {7}, new int[] {4}, false),
            new CapabilityPicks.Picks(new int[] {0, 1, 2}, new int[0], new int[0], false),
        };
        // Limits 3/3/2 of 8: first 1, 3, 2; the gap of 2 is shared over what is past the limits (0, 3, 1)
        // by water-filling: one each to the lowest open indices, so both go to capability 1.
        WaterFill.Split split = WaterFill.Split.of(8, new long[] {3, 3, 2}, picks);
        assertThat(split.given()).containsExactly(1, 5, 2);
        assertThat(split.shortfall()).isZero();
        assertThat(split.duplicatesMet()[0]).as("ran out and gives all: every duplicate met").containsExactly(5, 6);
        assertThat(split.duplicatesMet()[1]).as("met after 4 picks, 5 given").containsExactly(7);
        assertThat(split.duplicateCount()).isEqualTo(3);

        // Within the limits (no gap), a duplicate met after the last given pick is not counted.
        WaterFill.Split within = WaterFill.Split.of(5, new long[] {1, 2, 2}, picks);
        assertThat(within.given()).containsExactly(1, 2, 2);
        assertThat(within.duplicatesMet()[1]).isEmpty();

        // A larger gap than the orders have past their limits: the rest is the shortfall.
        WaterFill.Split shortfall = WaterFill.Split.of(12, new long[] {4, 4, 4}, picks);
        assertThat(shortfall.given()).containsExactly(1, 6, 3);
        assertThat(shortfall.shortfall()).isEqualTo(2);
    }

    @Test
    void theReachIsTwiceTheLimit() {
        assertThat(WaterFill.reach(0)).isZero();
        assertThat(WaterFill.reach(313)).isEqualTo(626);
        assertThat(WaterFill.reach(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }
}
