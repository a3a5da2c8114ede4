package dev.cadc.core.curriculum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** One capability's pick order, worked out by hand. */
class CapabilityPicksTest {

    /** Candidates 10..14 over two probes; 12 and 13 are near-duplicates (same trajectory). */
    private static final long[] IDS = {10, 11, 12, 13, 14};
    private static final double[][] A = {{0.9, 0.1}, {0.8, 0.2}, {0.1, 0.95}, {0.1, 0.9}, {0.5, 0.5}};
    private static final double[] I = {0.5, 0.4, 0.6, 0.55, 0.3};
    private static final Map<Integer, float[]> TRAJECTORIES = Map.of(
            0, new float[] {1, 0, 0}, 1, new float[] {0, 1, 0}, 2, new float[] {0, 0, 1},
            3, new float[] {0, 0, 1}, 4, new float[] {0.6f, 0.8f, 0});

    private static DuplicateGuard guard() {
        return new DuplicateGuard(TRAJECTORIES::get, 1, DuplicateGuard.DEFAULT_THRESHOLD);
    }

    @Test
    void coverageRoundRobinsOverProbesAndSkipsNearDuplicatesOfEarlierPicks() {
        CapabilityPicks.Picks picks = CapabilityPicks.pick(WithinCapability.COVERAGE, 2,
                CapabilityPicks.of(IDS, A, I), guard(), 10);
        // Probe 0 takes 10, probe 1 takes 12, probe 0 takes 11, probe 1 meets 13 (a duplicate of 12) and takes 14.
        assertThat(picks.picks()).containsExactly(0, 2, 1, 4);
        assertThat(picks.duplicates()).containsExactly(3);
        assertThat(picks.duplicateDepths()).containsExactly(3);
        assertThat(picks.exhausted()).isTrue();
        // Giving 3 picks, the duplicate met while making the 4th is not counted; giving all, it is.
        assertThat(picks.duplicatesMet(3)).isEmpty();
        assertThat(picks.duplicatesMet(4)).containsExactly(3);
        // Up to 3 picks, the duplicate met while making the 4th is not read.
        CapabilityPicks.Picks three = CapabilityPicks.pick(WithinCapability.COVERAGE, 2, CapabilityPicks.of(IDS, A, I), guard(), 3);
        assertThat(three.picks()).containsExactly(0, 2, 1);
        assertThat(three.duplicates()).isEmpty();
        assertThat(three.exhausted()).isFalse();
    }

    @Test
    void topInfluenceTakesByCapabilityInfluenceUpToTheLimit() {
        CapabilityPicks.Picks picks = CapabilityPicks.pick(WithinCapability.TOP_INFLUENCE, 2,
                CapabilityPicks.of(IDS, A, I), guard(), 2);
        assertThat(picks.picks()).containsExactly(2, 0);
        assertThat(picks.exhausted()).isFalse();
    }

    @Test
    void theOrderDoesNotDependOnTheOrderCandidatesAreGivenIn() {
        long[] ids = {14, 13, 12, 11, 10};
        double[][] a = {A[4], A[3], A[2], A[1], A[0]};
        double[] i = {I[4], I[3], I[2], I[1], I[0]};
        CapabilityPicks.Picks picks = CapabilityPicks.pick(WithinCapability.COVERAGE, 2,
                CapabilityPicks.of(ids, a, i), reversedGuard(), 10);
        assertThat(java.util.Arrays.stream(picks.picks()).mapToLong(p -> ids[p]).toArray()).containsExactly(10, 12, 11, 14);
    }

    private static DuplicateGuard reversedGuard() {
        return new DuplicateGuard(local -> TRAJECTORIES.get(4 - local), 1, DuplicateGuard.DEFAULT_THRESHOLD);
    }

    /**
     * The rankings are taken lazily from heaps; the order must be that of a full sort by influence
     * descending, then id ascending, ties and signed zeros included. Checked against that sort over
     * random candidates with many equal values.
     */
    @Test
    void pickOrdersEqualThoseOfAFullSortIncludingTies() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        double[] values = {-0.0, 0.0, 0.25, -0.25, 1.0, 0.5};
        for (int round = 0; round < 20; round++) {
            int n = 1 + random.nextInt(300);
            int probes = 1 + random.nextInt(5);
            long[] ids = random.longs(n, 0, 1_000_000).distinct().toArray();
            n = ids.length;
            double[][] a = new double[n][probes];
            double[] attributed = new double[n];
            for (int c = 0; c < n; c++) {
                for (int p = 0; p < probes; p++) {
                    a[c][p] = values[random.nextInt(values.length)];
                }
                attributed[c] = values[random.nextInt(values.length)];
            }
            long limit = 1 + random.nextInt(n + 5);
            CapabilityPicks.Candidates candidates = CapabilityPicks.of(ids, a, attributed);
            assertThat(CapabilityPicks.pick(WithinCapability.COVERAGE, probes, candidates, DuplicateGuard.disabled(), limit).picks())
                    .containsExactly(sortedCoverage(ids, a, probes, limit));
            assertThat(CapabilityPicks.pick(WithinCapability.TOP_INFLUENCE, probes, candidates, DuplicateGuard.disabled(), limit).picks())
                    .containsExactly(sorted(ids, c -> attributed[c]).stream().limit(limit).mapToInt(Integer::intValue).toArray());
        }
    }

    private static java.util.List<Integer> sorted(long[] ids, java.util.function.IntToDoubleFunction key) {
        return java.util.stream.IntStream.range(0, ids.length).boxed()
                .sorted(java.util.Comparator.<Integer>comparingDouble(c -> -key.applyAsDouble(c)).thenComparingLong(c -> ids[c]))
                .toList();
    }

    private static int[] sortedCoverage(long[] ids, double[][] a, int probes, long limit) {
        java.util.List<java.util.List<Integer>> rankings = new java.util.ArrayList<>();
        for (int p = 0; p < probes; p++) {
            int probe = p;
            rankings.add(sorted(ids, c -> a[c][probe]));
        }
        boolean[] used = new boolean[ids.length];
        int[] cursor = new int[probes];
        java.util.List<Integer> picks = new java.util.ArrayList<>();
        int probe = 0;
        while (picks.size() < limit && picks.size() < ids.length) {
            java.util.List<Integer> ranking = rankings.get(probe);
            while (cursor[probe] < ranking.size() && used[ranking.get(cursor[probe])]) {
                cursor[probe]++;
            }
            if (cursor[probe] < ranking.size()) {
                int pick = ranking.get(cursor[probe]++);
                used[pick] = true;
                picks.add(pick);
            }
            probe = (probe + 1) % probes;
        }
        return picks.stream().mapToInt(Integer::intValue).toArray();
    }
}
