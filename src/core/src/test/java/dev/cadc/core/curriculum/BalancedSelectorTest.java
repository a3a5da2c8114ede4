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
     * The batch selector computes each capability's pick order only as far as the split reads it; the
     * split must be the one the job's selectors reach by ordering every capability up to the whole
     * budget. Random capabilities, some shorter than their share, with near-duplicates (so orders skip
     * candidates and run out at odd places), random budgets, both modes.
     */
    @Test
    void theLazySplitEqualsTheSplitOfPickOrdersUpToTheWholeBudget() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        for (int round = 0; round < 300; round++) {
            int capabilities = 1 + random.nextInt(6);
            long budget = 1 + random.nextInt(120);
            WithinCapability mode = random.nextBoolean() ? WithinCapability.COVERAGE : WithinCapability.TOP_INFLUENCE;
            CapabilityPicks.PickOrder[] lazy = new CapabilityPicks.PickOrder[capabilities];
            CapabilityPicks.Picks[] full = new CapabilityPicks.Picks[capabilities];
            for (int c = 0; c < capabilities; c++) {
                int count = random.nextInt(random.nextBoolean() ? 8 : 60);
                int probes = 1 + random.nextInt(3);
                long[] ids = new long[count];
                double[][] a = new double[count][probes];
                double[] attributed = new double[count];
                float[][] trajectories = new float[count][];
                for (int i = 0; i < count; i++) {
                    ids[i] = 1000L * c + i;
                    for (int p = 0; p < probes; p++) {
                        a[i][p] = random.nextInt(5) / 4.0;
                    }
                    attributed[i] = random.nextInt(7) / 6.0;
                    // A third are copies of an earlier candidate: near-duplicates the guard skips.
                    trajectories[i] = i > 0 && random.nextInt(3) == 0 ? trajectories[random.nextInt(i)] : unit(random);
                }
                CapabilityPicks.Candidates candidates = CapabilityPicks.of(ids, a, attributed);
                lazy[c] = new CapabilityPicks.PickOrder(mode, probes, candidates, guard(trajectories));
                full[c] = CapabilityPicks.pick(mode, probes, candidates, guard(trajectories), budget);
            }
            WaterFill.Split expected = WaterFill.split(budget, full);
            WaterFill.Split actual = BalancedSelector.splitOverPickOrders(budget, lazy);
            assertThat(actual.given()).as("round %d", round).containsExactly(expected.given());
            assertThat(actual.shortfall()).isEqualTo(expected.shortfall());
            for (int c = 0; c < capabilities; c++) {
                assertThat(actual.duplicatesMet()[c]).as("round %d, capability %d", round, c).containsExactly(expected.duplicatesMet()[c]);
                int given = (int) expected.given()[c];
                assertThat(Arrays.copyOf(lazy[c].current().picks(), given)).containsExactly(Arrays.copyOf(full[c].picks(), given));
            }
        }
    }

    private static DuplicateGuard guard(float[][] trajectories) {
        return new DuplicateGuard(local -> trajectories[local], 1, DuplicateGuard.DEFAULT_THRESHOLD);
    }

    private static float[] unit(java.util.SplittableRandom random) {
        float[] t = new float[8];
        double norm = 0;
        for (int d = 0; d < t.length; d++) {
            t[d] = (float) random.nextGaussian();
            norm += t[d] * t[d];
        }
        for (int d = 0; d < t.length; d++) {
            t[d] = (float) (t[d] / Math.sqrt(norm));
        }
        return t;
    }
}
