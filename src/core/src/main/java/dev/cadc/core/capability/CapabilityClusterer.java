package dev.cadc.core.capability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Online capability discovery: clusters probes by their learning trajectories (mean cosine of their
 * unit sketches over the checkpoints seen so far) at every new checkpoint.
 *
 * <p><b>Choosing K.</b> For every K in {@code [kMin, min(kMax, P - 1)]} spherical k-means runs from
 * {@code restarts} seeded k-means++ initialisations and, when the previous clustering had that K, from
 * the previous clustering (the warm start); the run with the highest objective represents K. The K
 * whose representative has the highest mean silhouette (cosine distance) wins; ties go to the smaller
 * K. Silhouette compares the cohesion of a cluster with its separation from the nearest other one, so
 * it stops splitting a capability whose probes move together. {@link KRule#STABILITY} (an option; the
 * silhouette stays the default) first keeps only the K whose clusterings of random subsamples agree.
 *
 * <p><b>Stable ids.</b> New clusters are matched to the previous ones greedily by the number of probes
 * they share (largest overlap first; ties to the lower old id, then the cluster holding the smaller
 * probe id); a matched cluster keeps its id, an unmatched one gets the next id never used before. A
 * checkpoint that barely changes the trajectories therefore keeps every id.
 *
 * <p>Deterministic: the same trajectories and seed give the same clustering, whatever the order in
 * which rows arrived. The state is the previous {@link Clustering} and the next free id.
 */
public final class CapabilityClusterer {

    private final ClusteringConfig config;
    private Clustering current;
    private int nextCapabilityId;

    public CapabilityClusterer(ClusteringConfig config) {
        this(config, Clustering.empty(), 0);
    }

    /** Restores a clusterer from its state (the Flink operator's checkpointed fields). */
    public CapabilityClusterer(ClusteringConfig config, Clustering current, int nextCapabilityId) {
        this.config = config;
        this.current = current;
        this.nextCapabilityId = nextCapabilityId;
    }

    /** Reclusters the probes of {@code trajectories}, warm-started from the previous clustering. */
    public Clustering update(ProbeTrajectories trajectories) {
        long[] probeIds = trajectories.probeIds();
        int probes = probeIds.length;
        if (probes == 0) {
            current = Clustering.empty();
            return current;
        }
        double[] similarity = trajectories.meanCosineMatrix();
        SphericalKMeans kMeans = new SphericalKMeans(similarity, probes, config.maxIterations());
        int[] labels = chooseClustering(kMeans, probeIds, similarity);
        current = new Clustering(probeIds, stableIds(probeIds, labels));
        return current;
    }

    public Clustering current() {
        return current;
    }

    /** The id the next new capability will get. */
    public int nextCapabilityId() {
        return nextCapabilityId;
    }

    /** Subsample pairs per K of the stability rule ({@link KRule#STABILITY}). */
    public static final int STABILITY_PAIRS = 4;

    /** The share of the probes in each subsample of the stability rule. */
    public static final double STABILITY_SUBSAMPLE = 0.8;

    /** The mean subsample ARI a K needs to count as stable under the stability rule. */
    public static final double STABILITY_THRESHOLD = 0.9;

    private int[] chooseClustering(SphericalKMeans kMeans, long[] probeIds, double[] similarity) {
        int probes = probeIds.length;
        int kHigh = Math.min(config.kMax(), probes - 1);
        if (kHigh < config.kMin()) {
            int k = Math.max(1, Math.min(config.kMin(), probes));
            return best(kMeans, k, warmStart(probeIds, similarity, k)).assignment();
        }
        SphericalKMeans.Result chosen = null;
        double chosenSilhouette = Double.NEGATIVE_INFINITY;
        SphericalKMeans.Result mostStable = null;
        double highestStability = Double.NEGATIVE_INFINITY;
        for (int k = config.kMin(); k <= kHigh; k++) {
            SphericalKMeans.Result candidate = best(kMeans, k, warmStart(probeIds, similarity, k));
            double silhouette = kMeans.silhouette(candidate.assignment(), k);
            if (config.kRule() == KRule.STABILITY) {
                double stability = stability(similarity, probes, k);
                if (stability > highestStability) {
                    mostStable = candidate;
                    highestStability = stability;
                }
                if (stability < STABILITY_THRESHOLD) {
                    continue;
                }
            }
            if (silhouette > chosenSilhouette) {
                chosen = candidate;
                chosenSilhouette = silhouette;
            }
        }
        return (chosen != null ? chosen : mostStable).assignment();
    }

    /**
     * The mean adjusted Rand index, over {@link #STABILITY_PAIRS} pairs of seeded subsamples, between
     * the K-clusterings of the two subsamples of a pair on the probes they share. Deterministic: the
     * subsamples and the k-means starts are seeded by the configured seed and K.
     */
    private double stability(double[] similarity, int probes, int k) {
        int size = (int) Math.round(probes * STABILITY_SUBSAMPLE);
        if (size <= k) {
            return 0;
        }
        double sum = 0;
        for (int pair = 0; pair < STABILITY_PAIRS; pair++) {
            SplittableRandom random = new SplittableRandom(config.seed() * 7_919 + k * 104_729L + pair);
            int[] first = subsample(random, probes, size);
            int[] second = subsample(random, probes, size);
            int[] firstLabels = clusterSubsample(similarity, probes, first, k, random.split());
            int[] secondLabels = clusterSubsample(similarity, probes, second, k, random.split());
            int[] labelOfFirst = new int[probes];
            java.util.Arrays.fill(labelOfFirst, -1);
            for (int i = 0; i < first.length; i++) {
                labelOfFirst[first[i]] = firstLabels[i];
            }
            List<int[]> shared = new ArrayList<>();
            for (int i = 0; i < second.length; i++) {
                if (labelOfFirst[second[i]] >= 0) {
                    shared.add(new int[] {labelOfFirst[second[i]], secondLabels[i]});
                }
            }
            int[] a = shared.stream().mapToInt(x -> x[0]).toArray();
            int[] b = shared.stream().mapToInt(x -> x[1]).toArray();
            sum += ClusterAgreement.adjustedRandIndex(a, b);
        }
        return sum / STABILITY_PAIRS;
    }

    /** {@code size} distinct probe indices, ascending. */
    private static int[] subsample(SplittableRandom random, int probes, int size) {
        int[] order = new int[probes];
        for (int i = 0; i < probes; i++) {
            order[i] = i;
        }
        for (int i = 0; i < size; i++) {
            int j = i + random.nextInt(probes - i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        int[] chosen = Arrays.copyOf(order, size);
        Arrays.sort(chosen);
        return chosen;
    }

    /** The best of {@code restarts} k-means++ starts on the probes {@code members}, as labels in their order. */
    private int[] clusterSubsample(double[] similarity, int probes, int[] members, int k, SplittableRandom random) {
        int n = members.length;
        double[] sub = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                sub[i * n + j] = similarity[members[i] * probes + members[j]];
            }
        }
        SphericalKMeans kMeans = new SphericalKMeans(sub, n, config.maxIterations());
        SphericalKMeans.Result best = null;
        for (int restart = 0; restart < config.restarts(); restart++) {
            SphericalKMeans.Result candidate = kMeans.fromSeeding(k, random.split());
            if (best == null || candidate.objective() > best.objective()) {
                best = candidate;
            }
        }
        return best.assignment();
    }

    private SphericalKMeans.Result best(SphericalKMeans kMeans, int k, int[] warmStart) {
        SphericalKMeans.Result best = warmStart == null ? null : kMeans.refine(warmStart, k);
        for (int restart = 0; restart < config.restarts(); restart++) {
            SplittableRandom random = new SplittableRandom(config.seed() * 31 + k * 1_000_003L + restart);
            SphericalKMeans.Result candidate = kMeans.fromSeeding(k, random);
            if (best == null || candidate.objective() > best.objective()) {
                best = candidate;
            }
        }
        return best;
    }

    /**
     * The previous clustering as labels 0..k-1 over the current probes when it had exactly k
     * capabilities; probes new since then join the previous cluster they are most similar to.
     */
    private int[] warmStart(long[] probeIds, double[] similarity, int k) {
        if (current.capabilityCount() != k) {
            return null;
        }
        int probes = probeIds.length;
        long[] previousIds = current.probeIds();
        int[] labels = new int[probes];
        List<Integer> newcomers = new ArrayList<>();
        for (int p = 0; p < probes; p++) {
            int previousIndex = Arrays.binarySearch(previousIds, probeIds[p]);
            if (previousIndex >= 0) {
                labels[p] = current.indexOfCapability(current.capabilityOf(previousIndex));
            } else {
                labels[p] = -1;
                newcomers.add(p);
            }
        }
        for (int p : newcomers) {
            double[] sum = new double[k];
            int[] count = new int[k];
            for (int q = 0; q < probes; q++) {
                if (labels[q] >= 0) {
                    sum[labels[q]] += similarity[p * probes + q];
                    count[labels[q]]++;
                }
            }
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (mean(sum[c], count[c]) > mean(sum[best], count[best])) {
                    best = c;
                }
            }
            labels[p] = best;
        }
        return labels;
    }

    private static double mean(double sum, int count) {
        return count == 0 ? Double.NEGATIVE_INFINITY : sum / count;
    }

    /** Maps labels 0..k-1 to capability ids, keeping the ids of the previous clusters they overlap. */
    private int[] stableIds(long[] probeIds, int[] labels) {
        int k = Arrays.stream(labels).max().orElse(-1) + 1;
        long[] smallestProbe = new long[k];
        Arrays.fill(smallestProbe, Long.MAX_VALUE);
        for (int p = 0; p < probeIds.length; p++) {
            smallestProbe[labels[p]] = Math.min(smallestProbe[labels[p]], probeIds[p]);
        }
        Map<Long, Integer> overlap = new HashMap<>();
        long[] previousIds = current.probeIds();
        for (int p = 0; p < probeIds.length; p++) {
            int previousIndex = Arrays.binarySearch(previousIds, probeIds[p]);
            if (previousIndex >= 0) {
                long pair = ((long) current.capabilityOf(previousIndex) << 32) | labels[p];
                overlap.merge(pair, 1, Integer::sum);
            }
        }
        List<long[]> pairs = new ArrayList<>();
        overlap.forEach((pair, count) -> pairs.add(new long[] {count, pair >>> 32, pair & 0xffffffffL}));
        pairs.sort((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0])
                : a[1] != b[1] ? Long.compare(a[1], b[1])
                : Long.compare(smallestProbe[(int) a[2]], smallestProbe[(int) b[2]]));

        int[] idOfLabel = new int[k];
        Arrays.fill(idOfLabel, -1);
        java.util.Set<Integer> usedOldIds = new java.util.HashSet<>();
        for (long[] pair : pairs) {
            int oldId = (int) pair[1];
            int label = (int) pair[2];
            if (idOfLabel[label] < 0 && usedOldIds.add(oldId)) {
                idOfLabel[label] = oldId;
            }
        }
        Integer[] unmatched = java.util.stream.IntStream.range(0, k)
                .filter(label -> idOfLabel[label] < 0)
                .boxed()
                .sorted((a, b) -> Long.compare(smallestProbe[a], smallestProbe[b]))
                .toArray(Integer[]::new);
        for (int label : unmatched) {
            idOfLabel[label] = nextCapabilityId++;
        }
        int[] ids = new int[labels.length];
        for (int p = 0; p < labels.length; p++) {
            ids[p] = idOfLabel[labels[p]];
        }
        return ids;
    }
}
