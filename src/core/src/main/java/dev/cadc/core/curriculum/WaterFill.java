package dev.cadc.core.curriculum;

/**
 * How many picks each capability gives to a budget B (SPEC, "Balanced selection"): each of the K
 * capabilities gets {@code floor(B / K)}, the remainder one each to the lowest indices; what a
 * capability cannot give (it has fewer candidates than its share) is shared again the same way among
 * the capabilities that still can, until B is reached or none can; the gap is the shortfall.
 *
 * <p>It needs only each capability's number of available picks ({@link CapabilityPicks.Picks#available()}),
 * so a coordinator can split the budget from per-capability counts without seeing any candidate.
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
     * The budget split over the capabilities' pick orders: how many picks each gives
     * ({@link #counts}), the near-duplicates each met before its last given pick
     * ({@link CapabilityPicks.Picks#duplicatesMet}, local candidate indices) and the shortfall. The
     * batch {@link BalancedSelector} and the Flink job's version assembler both call this, so both
     * take the same prefixes of the same pick orders.
     */
    public static Split split(long budget, CapabilityPicks.Picks[] picks) {
        long[] available = new long[picks.length];
        for (int c = 0; c < picks.length; c++) {
            available[c] = picks[c].available();
        }
        long[] given = counts(budget, available);
        int[][] duplicates = new int[picks.length][];
        long total = 0;
        for (int c = 0; c < picks.length; c++) {
            duplicates[c] = picks[c].duplicatesMet(given[c]);
            total += given[c];
        }
        return new Split(given, duplicates, Math.max(budget, 0) - total);
    }

    /**
     * @param given per capability, how many of its picks it gives (a prefix of its pick order)
     * @param duplicatesMet per capability, the local indices of the near-duplicates skipped before that prefix ended
     * @param shortfall the part of the budget no capability could give
     */
    public record Split(long[] given, int[][] duplicatesMet, long shortfall) {

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
