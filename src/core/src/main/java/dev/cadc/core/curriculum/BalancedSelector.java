package dev.cadc.core.curriculum;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.influence.CapabilityScorer;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Balanced selection of B samples across capabilities (SPEC, "Balanced selection"), as the batch
 * reference runs it over a whole influence table: each capability's limit from the capabilities'
 * candidate counts ({@link WaterFill#limits}), each capability's pick order on its own up to twice its
 * limit ({@link CapabilityPicks}, near-duplicates skipped within the capability), then the split
 * ({@link WaterFill.Split#of}: up to each limit, the gap shared again). The Flink job runs the
 * same two steps on different subtasks (a selector per run and capability computes its own limit from
 * the buckets' counts; a coordinator per run lays the version out), so both reach the same selection
 * by the same code.
 */
public final class BalancedSelector {

    private final WithinCapability mode;

    public BalancedSelector(WithinCapability mode) {
        this.mode = mode;
    }

    /**
     * @param scores the verdict on every sample, indexed like {@code influence}
     * @param budget B, the number of samples to select
     * @param trajectories each candidate's trajectory (by sample index); unused when {@code threshold >= 1}
     * @param trajectoryCheckpoints J, the number of checkpoints the trajectories span
     * @param threshold the duplicate guard's mean cosine; 1 or more disables it
     */
    public Selection select(Clustering clustering, InfluenceView influence, CapabilityScorer.Score[] scores, long budget,
            DuplicateGuard.TrajectoryLookup trajectories, int trajectoryCheckpoints, double threshold) {
        int capabilities = clustering.capabilityCount();
        if (capabilities == 0 || budget <= 0) {
            return new Selection(new int[capabilities][0], budget, Math.max(budget, 0), new int[0]);
        }
        int[] capabilityIds = clustering.capabilityIds();
        int[][] candidatesOf = new int[capabilities][];
        long[] candidateCounts = new long[capabilities];
        for (int c = 0; c < capabilities; c++) {
            int capability = c;
            candidatesOf[c] = IntStream.range(0, scores.length)
                    .filter(i -> scores[i].isCandidate() && scores[i].attributedIndex() == capability)
                    .toArray();
            candidateCounts[c] = candidatesOf[c].length;
        }
        long[] limits = WaterFill.limits(budget, candidateCounts);
        CapabilityPicks.Picks[] picks = IntStream.range(0, capabilities).parallel().mapToObj(c -> {
            int[] candidates = candidatesOf[c];
            int[] probes = clustering.probeIndicesOf(capabilityIds[c]);
            DuplicateGuard guard = threshold >= 1 ? DuplicateGuard.disabled()
                    : new DuplicateGuard(local -> trajectories.trajectory(candidates[local]), trajectoryCheckpoints, threshold);
            return CapabilityPicks.pick(mode, probes.length, view(candidates, probes, influence, scores), guard,
                    WaterFill.reach(limits[c]));
        }).toArray(CapabilityPicks.Picks[]::new);
        WaterFill.Split split = WaterFill.Split.of(budget, limits, picks);
        int[][] selected = new int[capabilities][];
        IntStream.Builder duplicates = IntStream.builder();
        for (int c = 0; c < capabilities; c++) {
            int[] candidates = candidatesOf[c];
            selected[c] = Arrays.stream(picks[c].picks(), 0, (int) split.given()[c]).map(local -> candidates[local]).toArray();
            Arrays.stream(split.duplicatesMet()[c]).map(local -> candidates[local]).forEach(duplicates::add);
        }
        return new Selection(selected, budget, split.shortfall(), duplicates.build().toArray());
    }

    /**
     * One capability's candidates as {@link CapabilityPicks} reads them: sample indices
     * {@code candidates} over the capability's probe columns {@code probes}.
     */
    public static CapabilityPicks.Candidates view(int[] candidates, int[] probes, InfluenceView influence,
            CapabilityScorer.Score[] scores) {
        return new CapabilityPicks.Candidates() {
            @Override
            public int count() {
                return candidates.length;
            }

            @Override
            public long sampleId(int candidate) {
                return influence.sampleId(candidates[candidate]);
            }

            @Override
            public double influence(int candidate, int probeSlot) {
                return influence.influence(candidates[candidate], probes[probeSlot]);
            }

            @Override
            public double attributedInfluence(int candidate) {
                return scores[candidates[candidate]].attributedInfluence();
            }
        };
    }
}
