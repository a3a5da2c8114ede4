package dev.cadc.core.curriculum;

import dev.cadc.core.capability.ClusteringConfig;
import dev.cadc.core.influence.AggregationRule;
import dev.cadc.core.influence.CapabilityScorer;

/**
 * Every knob of a curation, with the SPEC's defaults: budget 5%, capabilities K in [2, 16], the
 * strongest-interactions rule with m = 10, probe coverage within a capability, near-duplicates above a
 * mean sketch cosine of 0.98 skipped, 3 cumulative stages easiest first with step shares proportional
 * to the samples each trains on ({@link StagePlan#sizeProportional}), net-harmful samples excluded.
 */
public record CuratorConfig(
        Budget budget,
        ClusteringConfig clustering,
        AggregationRule aggregation,
        int strongest,
        WithinCapability withinCapability,
        double duplicateThreshold,
        StagePlan stages,
        boolean harmRule) {

    public static final String DEFAULT_BUDGET = "0.05";

    /** With the harm rule on (the default). */
    public CuratorConfig(Budget budget, ClusteringConfig clustering, AggregationRule aggregation, int strongest,
            WithinCapability withinCapability, double duplicateThreshold, StagePlan stages) {
        this(budget, clustering, aggregation, strongest, withinCapability, duplicateThreshold, stages, true);
    }

    public CuratorConfig {
        if (strongest < 1) {
            throw new IllegalArgumentException("strongest interactions m must be >= 1, got " + strongest);
        }
        if (!(duplicateThreshold > -1 && duplicateThreshold <= 1)) {
            throw new IllegalArgumentException("duplicate threshold is a cosine in (-1, 1], got " + duplicateThreshold);
        }
    }

    /** The defaults, as {@link CurationParameters} declares them. */
    public static CuratorConfig defaults() {
        return CurationParameters.parse(java.util.Map.of());
    }

    public CuratorConfig withBudget(Budget newBudget) {
        return new CuratorConfig(newBudget, clustering, aggregation, strongest, withinCapability, duplicateThreshold, stages, harmRule);
    }

    public CuratorConfig withClustering(ClusteringConfig newClustering) {
        return new CuratorConfig(budget, newClustering, aggregation, strongest, withinCapability, duplicateThreshold, stages, harmRule);
    }

    public CuratorConfig withAggregation(AggregationRule newAggregation, int newStrongest) {
        return new CuratorConfig(budget, clustering, newAggregation, newStrongest, withinCapability, duplicateThreshold, stages, harmRule);
    }

    public CuratorConfig withWithinCapability(WithinCapability mode) {
        return new CuratorConfig(budget, clustering, aggregation, strongest, mode, duplicateThreshold, stages, harmRule);
    }

    /** The same with the duplicate guard at {@code threshold} (1 disables it). */
    public CuratorConfig withDuplicateThreshold(double threshold) {
        return new CuratorConfig(budget, clustering, aggregation, strongest, withinCapability, threshold, stages, harmRule);
    }

    /** The same with the harm rule on or off (off: an ablation that lets net-harmful samples be selected). */
    public CuratorConfig withHarmRule(boolean on) {
        return new CuratorConfig(budget, clustering, aggregation, strongest, withinCapability, duplicateThreshold, stages, on);
    }

    public CuratorConfig withStages(StagePlan plan) {
        return new CuratorConfig(budget, clustering, aggregation, strongest, withinCapability, duplicateThreshold, plan, harmRule);
    }
}
