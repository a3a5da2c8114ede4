package dev.cadc.core.influence;

/**
 * How per-probe influence {@code A(i, p)} becomes capability influence {@code I(i, c)}.
 */
public enum AggregationRule {
    /**
     * {@code I(i, c) = mean of A(i, p) over the probes p of c}: the dot product with the capability's
     * mean gradient. Measured to reward samples that push toward the capability's answers whether or
     * not they are correct.
     */
    MEAN,
    /**
     * {@code I(i, c) = (1/m) * sum of A(i, p) over the m probes with the largest |A(i, p)| that belong
     * to c}: only the probes a sample interacts with most strongly speak for it (the default, m = 10).
     */
    STRONGEST;

    /** The rule named {@code name}, case-insensitively ({@code mean} or {@code strongest}). */
    public static AggregationRule parse(String name) {
        for (AggregationRule rule : values()) {
            if (rule.name().equalsIgnoreCase(name)) {
                return rule;
            }
        }
        throw new IllegalArgumentException("unknown aggregation rule '" + name + "'; expected mean or strongest");
    }
}
