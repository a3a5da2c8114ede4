package dev.cadc.core.curriculum;

/**
 * How many picks each capability gives to a budget B (SPEC, "Balanced selection"): each of the K
 * capabilities gets {@code floor(B / K)}, the remainder one each to the lowest indices; what a
 * capability cannot give (it has fewer candidates than its share) is shared again the same way among
 * the capabilities that still can, until B is reached or none can; the gap is the shortfall.
 *
 * <p>The split is made over candidate counts ({@link #limits}), so it is known before any capability
 * orders its candidates: each capability (a subtask of the Flink job, a thread of the batch reference)
 * orders only as far as its own limit.
 */
public final class WaterFill {

    private WaterFill() {}

    /**
     * @param available per capability (ascending id order) how many picks it can give; {@code Long.MAX_VALUE}: any number
     * @return per capability how many picks it gives; their sum is {@code min(budget, sum of available)}
     */
    public static long[] counts(long budget, long[] available) {
        int capabilities = available.length;
        long[] quota = new long[capabilities];
        long[] given = new long[capabilities];
        if (capabilities == 0 || budget <= 0) {
            return given;
        }
        int[] all = new int[capabilities];
        for (int c = 0; c < capabilities; c++) {
            all[c] = c;
        }
        distribute(budget, all, quota);
        while (true) {
            long total = 0;
            int openCount = 0;
            for (int c = 0; c < capabilities; c++) {
                given[c] = Math.min(quota[c], available[c]);
                total += given[c];
                if (given[c] < available[c]) {
                    openCount++;
                }
            }
            long leftover = budget - total;
            if (leftover == 0 || openCount == 0) {
                return given;
            }
            int[] open = new int[openCount];
            for (int c = 0, o = 0; c < capabilities; c++) {
                if (given[c] < available[c]) {
                    open[o++] = c;
                }
                quota[c] = given[c];
            }
            distribute(leftover, open, quota);
        }
    }

    /**
     * Each capability's limit for a budget: {@link #counts} over the capabilities' candidate counts.
     * A capability's pick order is computed up to its limit and no further; near-duplicates the
     * guard skips are replaced from the capability's own later candidates, and when it runs out
     * before its limit the gap is the version's shortfall (it is not passed on to other
     * capabilities). So the split needs only the candidate counts, known before any pick is made:
     * the Flink job's selector for one capability computes its own limit from per-bucket counts and
     * never orders further than it, and nothing travels back from the run's assembler.
     *
     * @param candidates per capability (ascending id order) how many candidates are attributed to it
     */
    public static long[] limits(long budget, long[] candidates) {
        return counts(budget, candidates);
    }

    /**
     * @param given per capability, how many picks it gives: its whole pick order, computed up to its {@link #limits limit}
     * @param duplicatesMet per capability, the local indices of the near-duplicates skipped on the way
     * @param shortfall the part of the budget no capability gave
     */
    public record Split(long[] given, int[][] duplicatesMet, long shortfall) {

        /** The split of {@code budget} made by pick orders each computed up to its capability's limit. */
        public static Split of(long budget, CapabilityPicks.Picks[] picks) {
            long[] given = new long[picks.length];
            int[][] duplicates = new int[picks.length][];
            long total = 0;
            for (int c = 0; c < picks.length; c++) {
                given[c] = picks[c].picks().length;
                duplicates[c] = picks[c].duplicates();
                total += given[c];
            }
            return new Split(given, duplicates, Math.max(0, Math.max(budget, 0) - total));
        }

        /** How many near-duplicates were skipped in all. */
        public int duplicateCount() {
            int count = 0;
            for (int[] met : duplicatesMet) {
                count += met.length;
            }
            return count;
        }
    }

    /** {@code amount} over {@code among} (ascending indices): the floor each, the rest one each to the first. */
    private static void distribute(long amount, int[] among, long[] target) {
        long each = amount / among.length;
        long remainder = amount % among.length;
        for (int i = 0; i < among.length; i++) {
            target[among[i]] += each + (i < remainder ? 1 : 0);
        }
    }
}
