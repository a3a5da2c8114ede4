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
     * Each capability's limit for a budget: {@link #counts} over the capabilities' candidate counts,
     * known before any pick is made. A capability gives up to its limit, and what near-duplicates keep
     * some capabilities from giving is shared again among the others, each giving at most its limit
     * again ({@link Split#of}); so each capability's pick order is needed up to {@link #reach} and no
     * further. That is what lets the Flink job's selector for one capability compute its part from its
     * own input (each bucket's batch carries its candidate counts), with nothing travelling back from
     * the run's assembler.
     *
     * @param candidates per capability (ascending id order) how many candidates are attributed to it
     */
    public static long[] limits(long budget, long[] candidates) {
        return counts(budget, candidates);
    }

    /** How far a capability with limit {@code limit} orders its candidates: twice its limit. */
    public static long reach(long limit) {
        return limit > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * limit;
    }

    /**
     * @param given per capability, how many of its picks it gives (a prefix of its pick order)
     * @param duplicatesMet per capability, the local indices of the near-duplicates skipped before that prefix ended
     * @param shortfall the part of the budget no capability gave
     */
    public record Split(long[] given, int[][] duplicatesMet, long shortfall) {

        /**
         * The split of {@code budget}: each capability first gives up to its limit; the gap (what
         * capabilities left short by near-duplicates, or without enough candidates, did not give) is
         * shared again by {@link #counts} among the capabilities whose pick order goes past their
         * limit, each giving at most what it has past it (at most its limit again, the order's
         * {@link #reach}); what remains is the shortfall.
         *
         * @param picks per capability, its pick order computed up to {@link #reach} of its limit
         */
        public static Split of(long budget, long[] limits, CapabilityPicks.Picks[] picks) {
            int capabilities = picks.length;
            long[] given = new long[capabilities];
            long[] beyond = new long[capabilities];
            long total = 0;
            for (int c = 0; c < capabilities; c++) {
                given[c] = Math.min(picks[c].picks().length, limits[c]);
                beyond[c] = picks[c].picks().length - given[c];
                total += given[c];
            }
            long gap = Math.max(budget, 0) - total;
            if (gap > 0) {
                long[] extra = counts(gap, beyond);
                for (int c = 0; c < capabilities; c++) {
                    given[c] += extra[c];
                    total += extra[c];
                }
            }
            int[][] duplicates = new int[capabilities][];
            for (int c = 0; c < capabilities; c++) {
                duplicates[c] = picks[c].duplicatesMet(given[c]);
            }
            return new Split(given, duplicates, Math.max(budget, 0) - total);
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
