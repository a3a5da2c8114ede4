package dev.cadc.core.curriculum;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.influence.CapabilityScorer;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Balanced selection of B samples across capabilities (SPEC, "Balanced selection"), as the batch
 * reference runs it over a whole influence table: each capability's pick order on its own
 * ({@link CapabilityPicks}, near-duplicates skipped within the capability), then the budget split by
 * {@link WaterFill}, then each capability's first picks. The Flink job runs the same two steps on
 * different subtasks (a selector per run and capability, a coordinator per run), so both reach the
 * same selection by the same code. Here, where every capability is at hand, each pick order is
 * computed only as far as the split reads it ({@link #splitOverPickOrders}, equal by the argument
 * there and by test to ordering each capability up to the whole budget, as the job's selectors do).
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
        CapabilityPicks.PickOrder[] orders = IntStream.range(0, capabilities).parallel().mapToObj(c -> {
            int[] candidates = IntStream.range(0, scores.length)
                    .filter(i -> scores[i].isCandidate() && scores[i].attributedIndex() == c)
                    .toArray();
            candidatesOf[c] = candidates;
            int[] probes = clustering.probeIndicesOf(capabilityIds[c]);
            DuplicateGuard guard = threshold >= 1 ? DuplicateGuard.disabled()
                    : new DuplicateGuard(local -> trajectories.trajectory(candidates[local]), trajectoryCheckpoints, threshold);
            return new CapabilityPicks.PickOrder(mode, probes.length, view(candidates, probes, influence, scores), guard);
        }).toArray(CapabilityPicks.PickOrder[]::new);
        WaterFill.Split split = splitOverPickOrders(budget, orders);
        CapabilityPicks.Picks[] picks = Arrays.stream(orders).map(CapabilityPicks.PickOrder::current).toArray(CapabilityPicks.Picks[]::new);
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
     * The budget's split over the capabilities' pick orders, computing each order only as far as the
     * split reads it: the same split as {@code WaterFill.split(budget, picks up to budget)} (what the
     * Flink job's selectors compute, each not knowing how much the others fall short), for a fraction
     * of the duplicate guard's work when the budget is spread over many capabilities.
     *
     * <p>Why it is the same: each order is first computed to one more than its equal share. A
     * capability that ran out of candidates gives the same picks at any limit. One that did not is
     * counted as able to give any number; while the split gives it fewer than its computed limit, it
     * was open at every round of the water-filling with the same quotas as with its true number, which
     * is at least that limit, so the split is the same, and so are the near-duplicates met before its
     * last given pick (an order's prefix does not depend on the limit). A capability given all of its
     * limit is extended (at least doubled, at most to the budget) and the split redone.
     */
    static WaterFill.Split splitOverPickOrders(long budget, CapabilityPicks.PickOrder[] orders) {
        int capabilities = orders.length;
        long[] any = new long[capabilities];
        Arrays.fill(any, Long.MAX_VALUE);
        long[] shares = WaterFill.counts(budget, any);
        long[] limits = new long[capabilities];
        for (int c = 0; c < capabilities; c++) {
            limits[c] = Math.min(budget, shares[c] + 1);
        }
        while (true) {
            long[] asked = limits.clone();
            CapabilityPicks.Picks[] picks = IntStream.range(0, capabilities).parallel()
                    .mapToObj(c -> orders[c].extendTo(asked[c]))
                    .toArray(CapabilityPicks.Picks[]::new);
            WaterFill.Split split = WaterFill.split(budget, picks);
            boolean settled = true;
            for (int c = 0; c < capabilities; c++) {
                if (!picks[c].exhausted() && split.given()[c] >= limits[c] && limits[c] < budget) {
                    limits[c] = Math.min(budget, Math.max(2 * limits[c], split.given()[c] + 1));
                    settled = false;
                }
            }
            if (settled) {
                return split;
            }
        }
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
