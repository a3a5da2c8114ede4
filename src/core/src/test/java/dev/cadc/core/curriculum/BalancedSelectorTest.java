package dev.cadc.core.curriculum;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.influence.AggregationRule;
import dev.cadc.core.influence.CapabilityScorer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Balanced selection on hand-built influence, where every expected pick can be worked out. */
class BalancedSelectorTest {

    /**
     * Probes 100, 101 (capability 0), 200 (capability 1), 300 (capability 2). Samples 0..1 help
     * capability 0 only, 2..11 capability 1, 12..21 capability 2; sample 22 is harmful.
     */
    private static final long[] PROBES = {100, 101, 200, 300};
    private static final Clustering CLUSTERING = new Clustering(PROBES, new int[] {0, 0, 1, 2});

    private static InfluenceTable table() {
        long[] ids = new long[23];
        Arrays.setAll(ids, i -> i);
        InfluenceTable table = new InfluenceTable(ids, PROBES.length);
        table.row(0)[0] = 0.9;
        table.row(0)[1] = 0.1;
        table.row(1)[0] = 0.2;
        table.row(1)[1] = 0.8;
        for (int i = 2; i < 12; i++) {
            table.row(i)[2] = 1.0 - 0.01 * i;
        }
        for (int i = 12; i < 22; i++) {
            table.row(i)[3] = 1.0 - 0.01 * i;
        }
        table.row(22)[2] = -5;
        return table;
    }

    private static Selection select(WithinCapability mode, long budget) {
        InfluenceTable table = table();
        CapabilityScorer scorer = new CapabilityScorer(CLUSTERING, AggregationRule.STRONGEST, 10);
        CapabilityScorer.Score[] scores = new CapabilityScorer.Score[table.sampleCount()];
        Arrays.setAll(scores, i -> scorer.score(table.row(i)));
        return new BalancedSelector(mode).select(CLUSTERING, table, scores, budget, null, 0, 1);
    }

    @Test
    void sharesTheBudgetAndWaterFillsWhatAShortCapabilityCannotUse() {
        Selection selection = select(WithinCapability.COVERAGE, 15);

        // Quotas 5/5/5; capability 0 has 2 candidates, so 3 are shared again: 2 to capability 1, 1 to 2.
        assertThat(selection.selectedByCapability()[0]).containsExactly(0, 1);
        assertThat(selection.selectedByCapability()[1]).containsExactly(2, 3, 4, 5, 6, 7, 8);
        assertThat(selection.selectedByCapability()[2]).containsExactly(12, 13, 14, 15, 16, 17);
        assertThat(selection.shortfall()).isZero();
    }

    @Test
    void coverageRoundRobinsOverTheCapabilitysProbes() {
        Selection selection = select(WithinCapability.COVERAGE, 3);
        // One each; capability 0's probe 100 takes its best (sample 0).
        assertThat(selection.selectedByCapability()[0]).containsExactly(0);
        selection = select(WithinCapability.COVERAGE, 6);
        // Two each: probe 100 takes sample 0, then probe 101 its best remaining, sample 1.
        assertThat(selection.selectedByCapability()[0]).containsExactly(0, 1);
    }

    @Test
    void theRemainderGoesToTheLowestCapabilityIds() {
        Selection selection = select(WithinCapability.TOP_INFLUENCE, 5);
        assertThat(Arrays.stream(selection.selectedByCapability()).mapToInt(picks -> picks.length).toArray())
                .containsExactly(2, 2, 1);
    }

    @Test
    void tooFewCandidatesSelectsThemAllAndReportsTheShortfall() {
        Selection selection = select(WithinCapability.COVERAGE, 30);
        assertThat(selection.selectedCount()).isEqualTo(22);
        assertThat(selection.shortfall()).isEqualTo(8);
        assertThat(Arrays.stream(selection.selectedByCapability()).flatMapToInt(Arrays::stream)).doesNotContain(22);
    }

    /**
     * Limits come from candidate counts; near-duplicates that leave a capability short of its limit are
     * made up by the others, each at most its limit again. Capability 1's candidates 2..11 are all copies
     * of one trajectory, so it gives one pick (sample 2) and skips the rest.
     */
    @Test
    void nearDuplicatesLeaveTheirCapabilityShortAndTheOthersMakeItUpUpToTheirLimitAgain() {
        InfluenceTable table = table();
        CapabilityScorer scorer = new CapabilityScorer(CLUSTERING, AggregationRule.STRONGEST, 10);
        CapabilityScorer.Score[] scores = new CapabilityScorer.Score[table.sampleCount()];
        Arrays.setAll(scores, i -> scorer.score(table.row(i)));
        float[] copy = basis(31);
        DuplicateGuard.TrajectoryLookup trajectories = i -> i >= 2 && i < 12 ? copy : basis(i);
        Selection selection = new BalancedSelector(WithinCapability.COVERAGE)
                .select(CLUSTERING, table, scores, 15, trajectories, 1, DuplicateGuard.DEFAULT_THRESHOLD);

        // Limits over candidate counts (2, 10, 10): 2, 7, 6. Capability 1 reads all ten, keeps sample 2; the
        // gap of 6 goes to capability 2, the only one with picks past its limit (4 more: all it has).
        assertThat(selection.selectedByCapability()[0]).containsExactly(0, 1);
        assertThat(selection.selectedByCapability()[1]).containsExactly(2);
        assertThat(selection.selectedByCapability()[2]).containsExactly(12, 13, 14, 15, 16, 17, 18, 19, 20, 21);
        assertThat(selection.shortfall()).isEqualTo(2);
        assertThat(selection.duplicateSamples()).containsExactly(3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    /** A unit vector of its own for every sample but 2..11 (in 32 dimensions, one per sample; 31 is the copies'). */
    private static float[] basis(int sample) {
        float[] t = new float[32];
        t[sample] = 1;
        return t;
    }
}
