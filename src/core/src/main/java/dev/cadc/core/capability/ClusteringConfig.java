package dev.cadc.core.capability;

/**
 * How capabilities are discovered: the range of K, the seed of the k-means++ initialisations, the
 * number of restarts per K, the iteration cap of each k-means run and the rule that chooses K.
 */
public record ClusteringConfig(int kMin, int kMax, long seed, int restarts, int maxIterations, KRule kRule) {

    public static final int DEFAULT_K_MIN = 2;
    public static final int DEFAULT_K_MAX = 16;
    public static final long DEFAULT_SEED = 20251001L;
    public static final int DEFAULT_RESTARTS = 8;
    public static final int DEFAULT_MAX_ITERATIONS = 100;

    public ClusteringConfig {
        if (kRule == null) {
            throw new IllegalArgumentException("a K rule is required");
        }
        if (kMin < 1 || kMax < kMin) {
            throw new IllegalArgumentException("need 1 <= kMin <= kMax, got kMin=" + kMin + ", kMax=" + kMax);
        }
        if (restarts < 1 || maxIterations < 1) {
            throw new IllegalArgumentException("restarts and maxIterations must be >= 1");
        }
    }

    /** The silhouette rule (the default). */
    public ClusteringConfig(int kMin, int kMax, long seed, int restarts, int maxIterations) {
        this(kMin, kMax, seed, restarts, maxIterations, KRule.SILHOUETTE);
    }

    /** The same with another rule for K. */
    public ClusteringConfig withKRule(KRule rule) {
        return new ClusteringConfig(kMin, kMax, seed, restarts, maxIterations, rule);
    }

    /** The defaults with another K range. */
    public static ClusteringConfig withRange(int kMin, int kMax) {
        return new ClusteringConfig(kMin, kMax, DEFAULT_SEED, DEFAULT_RESTARTS, DEFAULT_MAX_ITERATIONS);
    }

    public static ClusteringConfig defaults() {
        return withRange(DEFAULT_K_MIN, DEFAULT_K_MAX);
    }
}
