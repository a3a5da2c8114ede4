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
        assertThat(picks.available()).isEqualTo(4);
        // Giving 3 picks, the duplicate met while making the 4th is not counted; giving all, it is.
        assertThat(picks.duplicatesMet(3)).isEmpty();
        assertThat(picks.duplicatesMet(4)).containsExactly(3);
    }

    @Test
    void topInfluenceTakesByCapabilityInfluenceUpToTheLimit() {
        CapabilityPicks.Picks picks = CapabilityPicks.pick(WithinCapability.TOP_INFLUENCE, 2,
                CapabilityPicks.of(IDS, A, I), guard(), 2);
        assertThat(picks.picks()).containsExactly(2, 0);
        assertThat(picks.exhausted()).isFalse();
        assertThat(picks.available()).isEqualTo(Long.MAX_VALUE);
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
}
