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
}
