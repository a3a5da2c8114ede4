package dev.cadc.core.curriculum;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.influence.CapabilityScorer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Balanced selection of B samples across capabilities (SPEC, "Balanced selection").
 *
 * <ol>
 *   <li>Each of the K capabilities gets {@code floor(B / K)}, the remainder one each to the lowest
 *       ids.
 *   <li>Each capability fills its share from its candidates (attributed to it, not harmful), by
 *       {@link WithinCapability#COVERAGE} or {@link WithinCapability#TOP_INFLUENCE}, skipping
 *       near-duplicates of anything chosen so far (the {@link DuplicateGuard}).
 *   <li>Water-filling: what capabilities that ran out could not use is shared again, the same way,
 *       among those that still have candidates, until B is reached or every capability is exhausted;
 *       the gap is the shortfall.
 * </ol>
 *
 * Every ranking breaks ties by sample id (ascending), so the result is deterministic.
 */
public final class BalancedSelector {

    private final WithinCapability mode;

    public BalancedSelector(WithinCapability mode) {
        this.mode = mode;
    }

    /**
     * @param scores the verdict on every sample, indexed like {@code influence}
     * @param budget B, the number of samples to select
     */
    public Selection select(Clustering clustering, InfluenceView influence, CapabilityScorer.Score[] scores,
            long budget, DuplicateGuard guard) {
        int capabilities = clustering.capabilityCount();
        if (capabilities == 0 || budget <= 0) {
            return new Selection(new int[capabilities][0], budget, Math.max(budget, 0), new int[0]);
        }
        int[] capabilityIds = clustering.capabilityIds();
        List<Picker> pickers = new ArrayList<>();
        for (int c = 0; c < capabilities; c++) {
            int[] candidates = candidatesOf(c, scores);
            pickers.add(mode == WithinCapability.COVERAGE
                    ? new CoveragePicker(clustering.probeIndicesOf(capabilityIds[c]), candidates, influence)
                    : new TopInfluencePicker(candidates, scores, influence));
        }

        boolean[] rejected = new boolean[influence.sampleCount()];
        List<Integer> duplicates = new ArrayList<>();
        long[] quota = new long[capabilities];
        distribute(budget, IntStream.range(0, capabilities).toArray(), quota);
        List<List<Integer>> selected = new ArrayList<>();
        for (int c = 0; c < capabilities; c++) {
            selected.add(new ArrayList<>());
        }
        long total = 0;
        while (true) {
            for (int c = 0; c < capabilities; c++) {
                Picker picker = pickers.get(c);
                while (selected.get(c).size() < quota[c] && !picker.exhausted()) {
                    int sample = picker.next(candidate -> {
                        if (rejected[candidate]) {
                            return false;
                        }
                        if (!guard.admits(candidate)) {
                            rejected[candidate] = true;
                            duplicates.add(candidate);
                            return false;
                        }
                        return true;
                    });
                    if (sample >= 0) {
                        guard.accept(sample);
                        rejected[sample] = true;
                        selected.get(c).add(sample);
                        total++;
                    }
                }
            }
            long leftover = budget - total;
            int[] open = IntStream.range(0, capabilities).filter(c -> !pickers.get(c).exhausted()).toArray();
            if (leftover == 0 || open.length == 0) {
                break;
            }
            long[] extra = new long[capabilities];
            distribute(leftover, open, extra);
            for (int c = 0; c < capabilities; c++) {
                quota[c] = selected.get(c).size() + extra[c];
            }
        }
        int[][] picks = selected.stream()
                .map(list -> list.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new);
        return new Selection(picks, budget, budget - total, duplicates.stream().mapToInt(Integer::intValue).toArray());
    }

    /** {@code amount} over {@code among} (ascending capability indices): the floor each, the rest to the first. */
    private static void distribute(long amount, int[] among, long[] target) {
        long each = amount / among.length;
        long remainder = amount % among.length;
        for (int i = 0; i < among.length; i++) {
            target[among[i]] += each + (i < remainder ? 1 : 0);
        }
    }

    private static int[] candidatesOf(int capabilityIndex, CapabilityScorer.Score[] scores) {
        return IntStream.range(0, scores.length)
                .filter(i -> scores[i].isCandidate() && scores[i].attributedIndex() == capabilityIndex)
                .toArray();
    }

    /** One capability's source of picks. */
    private interface Picker {
        /** The next candidate that {@code usable} accepts, or -1 when none is left. */
        int next(java.util.function.IntPredicate usable);

        boolean exhausted();
    }

    /** Round-robin over the capability's probes; each takes its most helpful remaining sample. */
    private static final class CoveragePicker implements Picker {
        private final int[][] rankedByProbe;
        private final int[] cursor;
        private int nextProbe;
        private boolean exhausted;

        CoveragePicker(int[] probes, int[] candidates, InfluenceView influence) {
            rankedByProbe = new int[probes.length][];
            for (int i = 0; i < probes.length; i++) {
                int probe = probes[i];
                rankedByProbe[i] = Arrays.stream(candidates).boxed()
                        .sorted(Comparator.<Integer>comparingDouble(s -> -influence.influence(s, probe))
                                .thenComparingLong(influence::sampleId))
                        .mapToInt(Integer::intValue)
                        .toArray();
            }
            cursor = new int[probes.length];
            exhausted = probes.length == 0 || candidates.length == 0;
        }

        @Override
        public int next(java.util.function.IntPredicate usable) {
            for (int tried = 0; tried < rankedByProbe.length && !exhausted; tried++) {
                int probe = nextProbe;
                nextProbe = (nextProbe + 1) % rankedByProbe.length;
                int[] ranked = rankedByProbe[probe];
                while (cursor[probe] < ranked.length) {
                    int candidate = ranked[cursor[probe]++];
                    if (usable.test(candidate)) {
                        return candidate;
                    }
                }
            }
            // A whole round found nothing usable: every probe's ranking is used up.
            exhausted = true;
            return -1;
        }

        @Override
        public boolean exhausted() {
            return exhausted;
        }
    }

    /** The capability's candidates by descending {@code I(i, c)}. */
    private static final class TopInfluencePicker implements Picker {
        private final int[] ranked;
        private int cursor;

        TopInfluencePicker(int[] candidates, CapabilityScorer.Score[] scores, InfluenceView influence) {
            ranked = Arrays.stream(candidates).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(s -> -scores[s].attributedInfluence())
                            .thenComparingLong(influence::sampleId))
                    .mapToInt(Integer::intValue)
                    .toArray();
        }

        @Override
        public int next(java.util.function.IntPredicate usable) {
            while (cursor < ranked.length) {
                int candidate = ranked[cursor++];
                if (usable.test(candidate)) {
                    return candidate;
                }
            }
            return -1;
        }

        @Override
        public boolean exhausted() {
            return cursor >= ranked.length;
        }
    }
}
