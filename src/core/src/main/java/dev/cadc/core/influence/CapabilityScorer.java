package dev.cadc.core.influence;

import dev.cadc.core.capability.Clustering;

/**
 * Turns a sample's per-probe influence row {@code A(i, .)} into capability influence, attribution and
 * harm, under a clustering (retroactively: the row does not depend on the clustering, so a new
 * clustering rescores every sample without touching its sketches).
 *
 * <ul>
 *   <li>{@code I(i, c)} by the {@link AggregationRule};
 *   <li>harmful: the sum of the sample's {@code m} strongest interactions (largest {@code |A(i, p)|},
 *       ties to the lower probe index) is negative, whatever the rule: mislabelled and
 *       off-distribution samples pull against the probes they touch most (the harm rule; with it off,
 *       an ablation, no sample is harmful);
 *   <li>attributed to the capability with the largest {@code I(i, c)} when it is positive (ties to the
 *       lower capability id); otherwise unattributed.
 * </ul>
 */
public final class CapabilityScorer {

    /** Default number of strongest interactions, from the SPEC. */
    public static final int DEFAULT_STRONGEST = 10;

    private final AggregationRule rule;
    private final boolean harmRule;
    private final int strongest;
    private final int probeCount;
    private final int capabilityCount;
    private final int[] capabilityIndexOfProbe;
    private final int[] probesPerCapability;

    public CapabilityScorer(Clustering clustering, AggregationRule rule, int strongest) {
        this(clustering, rule, strongest, true);
    }

    /**
     * @param harmRule whether samples whose strongest interactions net negative are harmful (the
     *     default); false scores every sample as not harmful
     */
    public CapabilityScorer(Clustering clustering, AggregationRule rule, int strongest, boolean harmRule) {
        this.harmRule = harmRule;
        if (strongest < 1) {
            throw new IllegalArgumentException("the number of strongest interactions must be >= 1, got " + strongest);
        }
        this.rule = rule;
        this.probeCount = clustering.probeCount();
        this.strongest = Math.min(strongest, Math.max(1, probeCount));
        this.capabilityCount = clustering.capabilityCount();
        this.capabilityIndexOfProbe = new int[probeCount];
        this.probesPerCapability = new int[capabilityCount];
        for (int p = 0; p < probeCount; p++) {
            capabilityIndexOfProbe[p] = clustering.indexOfCapability(clustering.capabilityOf(p));
            probesPerCapability[capabilityIndexOfProbe[p]]++;
        }
    }

    /** The verdict on one sample. */
    public record Score(double[] capabilityInfluence, int attributedIndex, boolean harmful) {
        /** Whether the sample may be selected for capability index {@link #attributedIndex()}. */
        public boolean isCandidate() {
            return !harmful && attributedIndex >= 0;
        }

        /** {@code I(i, c)} of the attributed capability, or NaN when unattributed. */
        public double attributedInfluence() {
            return attributedIndex < 0 ? Double.NaN : capabilityInfluence[attributedIndex];
        }
    }

    /**
     * Scores one sample.
     *
     * @param influence {@code A(i, p)} for every probe, in the clustering's probe order
     */
    public Score score(double[] influence) {
        if (influence.length != probeCount) {
            throw new IllegalArgumentException("influence row has " + influence.length + " probes, the clustering " + probeCount);
        }
        int[] top = strongestProbes(influence);
        double net = 0;
        for (int p : top) {
            net += influence[p];
        }
        double[] capabilityInfluence = new double[capabilityCount];
        if (rule == AggregationRule.MEAN) {
            for (int p = 0; p < probeCount; p++) {
                capabilityInfluence[capabilityIndexOfProbe[p]] += influence[p];
            }
            for (int c = 0; c < capabilityCount; c++) {
                capabilityInfluence[c] /= probesPerCapability[c];
            }
        } else {
            for (int p : top) {
                capabilityInfluence[capabilityIndexOfProbe[p]] += influence[p];
            }
            for (int c = 0; c < capabilityCount; c++) {
                capabilityInfluence[c] /= top.length;
            }
        }
        int attributed = -1;
        for (int c = 0; c < capabilityCount; c++) {
            if (capabilityInfluence[c] > 0 && (attributed < 0 || capabilityInfluence[c] > capabilityInfluence[attributed])) {
                attributed = c;
            }
        }
        return new Score(capabilityInfluence, attributed, harmRule && net < 0);
    }

    /** The indices of the {@code m} largest |A(i, p)|, ties to the lower index, in ascending index order. */
    private int[] strongestProbes(double[] influence) {
        int m = strongest;
        int[] top = new int[m];
        int filled = 0;
        // A sorted insertion over P probes: m is small (10), P a few hundred. Most probes fall below the
        // m-th magnitude so far, which is kept in a local instead of read back through top[] each time.
        double mth = Double.NaN;
        for (int p = 0; p < influence.length; p++) {
            double magnitude = Math.abs(influence[p]);
            if (filled == m && magnitude <= mth) {
                continue;
            }
            int position = filled == m ? m - 1 : filled++;
            while (position > 0 && Math.abs(influence[top[position - 1]]) < magnitude) {
                top[position] = top[position - 1];
                position--;
            }
            top[position] = p;
            if (filled == m) {
                mth = Math.abs(influence[top[m - 1]]);
            }
        }
        int[] result = java.util.Arrays.copyOf(top, filled);
        java.util.Arrays.sort(result);
        return result;
    }
}
