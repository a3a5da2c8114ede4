package dev.cadc.core.curriculum;

/** How a capability spends its share of the budget. */
public enum WithinCapability {
    /**
     * Round-robin over the capability's probes, each taking its most helpful remaining sample (by
     * {@code A(i, p)}): covers the capability's variety. The default; measured to beat full data where
     * plain top influence lost even to random.
     */
    COVERAGE,
    /** The samples with the highest capability influence {@code I(i, c)}. */
    TOP_INFLUENCE;

    /** {@code coverage} or {@code top-influence}. */
    public static WithinCapability parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "coverage" -> COVERAGE;
            case "top-influence", "top_influence", "top" -> TOP_INFLUENCE;
            default -> throw new IllegalArgumentException("unknown selection mode '" + name + "'; expected coverage or top-influence");
        };
    }
}
