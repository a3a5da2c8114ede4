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
    void aSplitGivesEveryPickMadeAndTheGapIsTheShortfall() {
        // Capability 0 reached its limit of 3; capability 1 ran out after 1 pick, with a near-duplicate skipped.
        CapabilityPicks.Picks[] picks = {
            new CapabilityPicks.Picks(new int[] {0, 1, 2}, new int[] {7}, false),
            new CapabilityPicks.Picks(new int[] {0}, new int[] {5}, true),
        };
        WaterFill.Split split = WaterFill.Split.of(6, picks);
        assertThat(split.given()).containsExactly(3, 1);
        assertThat(split.duplicatesMet()[0]).containsExactly(7);
        assertThat(split.duplicatesMet()[1]).containsExactly(5);
        assertThat(split.duplicateCount()).isEqualTo(2);
        assertThat(split.shortfall()).isEqualTo(2);
        assertThat(WaterFill.Split.of(4, picks).shortfall()).isZero();
    }
}
