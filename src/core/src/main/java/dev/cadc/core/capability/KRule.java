package dev.cadc.core.capability;

/**
 * How the clusterer chooses the number of capabilities K among the candidates in {@code [kMin, kMax]}
 * (one representative clustering per K, the best of its k-means starts).
 */
public enum KRule {
    /** The K whose representative has the highest mean silhouette; ties to the smaller K. The default. */
    SILHOUETTE,
    /**
     * A stability criterion: each K is clustered again on {@link CapabilityClusterer#STABILITY_PAIRS}
     * pairs of seeded random subsamples (each {@link CapabilityClusterer#STABILITY_SUBSAMPLE} of the
     * probes), and its stability is the mean adjusted Rand index of the two clusterings of a pair on the
     * probes they share. Among the K whose stability is at least
     * {@link CapabilityClusterer#STABILITY_THRESHOLD} the one with the highest silhouette wins (ties to
     * the smaller K); when no K is that stable, the most stable K. A K that splits a group of probes
     * that move together splits it differently on every subsample, so it is not stable.
     */
    STABILITY;

    /** {@code silhouette} or {@code stability}, case-insensitively. */
    public static KRule parse(String name) {
        for (KRule rule : values()) {
            if (rule.name().equalsIgnoreCase(name)) {
                return rule;
            }
        }
        throw new IllegalArgumentException("unknown K rule '" + name + "'; expected silhouette or stability");
    }

    /** The lower-case name, as parameters write it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
