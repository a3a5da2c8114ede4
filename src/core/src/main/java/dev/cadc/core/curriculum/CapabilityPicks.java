package dev.cadc.core.curriculum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * One capability's part of balanced selection: the order in which the capability picks its
 * candidates, skipping near-duplicates of its own earlier picks, up to a limit.
 *
 * <p>Why per capability: every candidate is attributed to exactly one capability, and near-duplicates
 * (mean sketch cosine above 0.98 over every checkpoint) have nearly equal influence rows and so share
 * their attribution; the duplicate guard therefore compares a candidate with the picks of its own
 * capability only. A capability's pick order then depends on its candidates alone, and the budget's
 * split between capabilities ({@link WaterFill#limits}) needs only how many candidates each has. That is what lets
 * the Flink job select each capability on its own subtask (keyed by run and capability) and the batch
 * {@link BalancedSelector} reach the same selection by the same code.
 *
 * <p>Within the capability: {@link WithinCapability#COVERAGE} goes round-robin over its probes, each
 * taking its best remaining candidate by {@code A(i, p)}; {@link WithinCapability#TOP_INFLUENCE} takes
 * candidates by descending {@code I(i, c)}. Ties break by sample id (ascending), so the order does not
 * depend on the order candidates are given in.
 */
public final class CapabilityPicks {

    private CapabilityPicks() {}

    /** The capability's candidates as a selector sees them, by local index {@code 0..count-1}. */
    public interface Candidates {
        int count();

        long sampleId(int candidate);

        /** {@code A(i, p)} of the candidate for the capability's probe slot {@code 0..probeSlots-1}. */
        double influence(int candidate, int probeSlot);

        /** {@code I(i, c)} for the capability the candidate is attributed to. */
        double attributedInfluence(int candidate);
    }

    /**
     * The capability's picks (candidate indices, in pick order) up to the limit; the near-duplicates
     * met on the way, each with the number of picks made before it; and whether the capability ran out
     * of candidates before the limit.
     */
    public record Picks(int[] picks, int[] duplicates, int[] duplicateDepths, boolean exhausted) {

        /**
         * The near-duplicates skipped when the capability gives {@code taken} picks: those met before
         * its last pick, and all of them when it ran out of candidates and gives everything.
         */
        public int[] duplicatesMet(long taken) {
            boolean all = exhausted && taken >= picks.length;
            return IntStream.range(0, duplicates.length)
                    .filter(d -> all || duplicateDepths[d] < taken)
                    .map(d -> duplicates[d])
                    .toArray();
        }
    }

    /**
     * The capability's pick order, up to {@code limit} picks: each pick depends only on the picks
     * before it, so the order is computed as far as the limit and no further.
     *
     * @param probeSlots the capability's number of probes (coverage round-robins over them)
     * @param guard compares local candidate indices; {@link DuplicateGuard#disabled()} admits all
     */
    public static Picks pick(WithinCapability mode, int probeSlots, Candidates candidates, DuplicateGuard guard, long limit) {
        Picker picker = mode == WithinCapability.COVERAGE
                ? new CoveragePicker(probeSlots, candidates)
                : new TopInfluencePicker(candidates);
        boolean[] used = new boolean[candidates.count()];
        List<Integer> picks = new ArrayList<>();
        List<int[]> duplicates = new ArrayList<>();
        boolean exhausted = false;
        while (picks.size() < limit) {
            int depth = picks.size();
            int sample = picker.next(candidate -> {
                if (used[candidate]) {
                    return false;
                }
                if (!guard.admits(candidate)) {
                    used[candidate] = true;
                    duplicates.add(new int[] {candidate, depth});
                    return false;
                }
                return true;
            });
            if (sample < 0) {
                exhausted = true;
                break;
            }
            guard.accept(sample);
            used[sample] = true;
            picks.add(sample);
        }
        return new Picks(picks.stream().mapToInt(Integer::intValue).toArray(),
                duplicates.stream().mapToInt(d -> d[0]).toArray(),
                duplicates.stream().mapToInt(d -> d[1]).toArray(), exhausted);
    }

    /** One capability's source of picks. */
    private interface Picker {
        /** The next candidate that {@code usable} accepts, or -1 when none is left. */
        int next(IntPredicate usable);
    }

    /** Round-robin over the capability's probes; each takes its most helpful remaining candidate. */
    private static final class CoveragePicker implements Picker {
        private final Ranking[] byProbe;
        private int nextProbe;

        CoveragePicker(int probeSlots, Candidates candidates) {
            long[] ids = Ranking.ids(candidates);
            byProbe = new Ranking[probeSlots];
            for (int probe = 0; probe < probeSlots; probe++) {
                double[] keys = new double[candidates.count()];
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = -candidates.influence(i, probe);
                }
                byProbe[probe] = new Ranking(keys, ids);
            }
        }

        @Override
        public int next(IntPredicate usable) {
            for (int tried = 0; tried < byProbe.length; tried++) {
                Ranking ranking = byProbe[nextProbe];
                nextProbe = (nextProbe + 1) % byProbe.length;
                for (int candidate = ranking.poll(); candidate >= 0; candidate = ranking.poll()) {
                    if (usable.test(candidate)) {
                        return candidate;
                    }
                }
            }
            // A whole round found nothing usable: every probe's ranking is used up.
            return -1;
        }
    }

    /** The capability's candidates by descending {@code I(i, c)}. */
    private static final class TopInfluencePicker implements Picker {
        private final Ranking ranking;

        TopInfluencePicker(Candidates candidates) {
            double[] keys = new double[candidates.count()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = -candidates.attributedInfluence(i);
            }
            ranking = new Ranking(keys, Ranking.ids(candidates));
        }

        @Override
        public int next(IntPredicate usable) {
            for (int candidate = ranking.poll(); candidate >= 0; candidate = ranking.poll()) {
                if (usable.test(candidate)) {
                    return candidate;
                }
            }
            return -1;
        }
    }

    /**
     * Candidates in the order of a full sort by key ascending ({@link Double#compare}; the pickers
     * give the negated influence, so the most helpful comes first), then sample id ascending (a total order: ids are distinct), taken one at a time from a binary heap. A pick
     * order reads only the top of most rankings (a probe's share of the picks and the near-duplicates
     * met on the way), so building the heap ({@code O(N)}) and taking what is read ({@code O(log N)}
     * each) costs far less than sorting every ranking, with the same order.
     */
    private static final class Ranking {
        private final double[] keys;
        private final long[] ids;
        private final int[] heap;
        private int size;

        Ranking(double[] keys, long[] ids) {
            this.keys = keys;
            this.ids = ids;
            this.size = keys.length;
            this.heap = new int[size];
            for (int i = 0; i < size; i++) {
                heap[i] = i;
            }
            for (int i = size / 2 - 1; i >= 0; i--) {
                siftDown(i);
            }
        }

        static long[] ids(Candidates candidates) {
            long[] ids = new long[candidates.count()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = candidates.sampleId(i);
            }
            return ids;
        }

        /** The next candidate in rank order, or -1 when all were taken. */
        int poll() {
            if (size == 0) {
                return -1;
            }
            int top = heap[0];
            heap[0] = heap[--size];
            siftDown(0);
            return top;
        }

        /** Whether candidate {@code a} ranks before {@code b}. */
        private boolean before(int a, int b) {
            int byKey = Double.compare(keys[a], keys[b]);
            return byKey != 0 ? byKey < 0 : ids[a] < ids[b];
        }

        private void siftDown(int at) {
            int moving = heap[at];
            while (true) {
                int child = 2 * at + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && before(heap[child + 1], heap[child])) {
                    child++;
                }
                if (!before(heap[child], moving)) {
                    break;
                }
                heap[at] = heap[child];
                at = child;
            }
            heap[at] = moving;
        }
    }

    /** {@link Candidates} over arrays: ids, per-candidate influence rows (probe slots), {@code I(i, c)}. */
    public static Candidates of(long[] sampleIds, double[][] influence, double[] attributed) {
        return new Candidates() {
            @Override
            public int count() {
                return sampleIds.length;
            }

            @Override
            public long sampleId(int candidate) {
                return sampleIds[candidate];
            }

            @Override
            public double influence(int candidate, int probeSlot) {
                return influence[candidate][probeSlot];
            }

            @Override
            public double attributedInfluence(int candidate) {
                return attributed[candidate];
            }

            @Override
            public String toString() {
                return "Candidates" + Arrays.toString(sampleIds);
            }
        };
    }
}
