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

    /** {@code amount} over {@code among} (ascending indices): the floor each, the rest one each to the first. */
    private static void distribute(long amount, int[] among, long[] target) {
        long each = amount / among.length;
        long remainder = amount % among.length;
        for (int i = 0; i < among.length; i++) {
            target[among[i]] += each + (i < remainder ? 1 : 0);
        }
    }
}
