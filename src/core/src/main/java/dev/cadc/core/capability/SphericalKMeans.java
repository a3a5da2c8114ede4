package dev.cadc.core.capability;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Spherical k-means over unit vectors given only by their Gram matrix {@code S} (the kernel form):
 * the centroid of a cluster is the normalised sum of its members, so the cosine of point {@code p} to
 * cluster {@code c} is {@code sum_{q in c} S[p][q] / sqrt(sum_{q,r in c} S[q][r])}. Working on the
 * {@code P x P} similarity matrix makes an iteration cost {@code O(P^2)} whatever the sketch dimension
 * and number of checkpoints, which is what lets discovery try every K in its range at each checkpoint.
 */
final class SphericalKMeans {

    private final double[] similarity;
    private final int points;
    private final int maxIterations;

    SphericalKMeans(double[] similarity, int points, int maxIterations) {
        this.similarity = similarity;
        this.points = points;
        this.maxIterations = maxIterations;
    }

    /** A clustering into {@code k} clusters and its objective (sum of member-to-centroid cosines). */
    record Result(int[] assignment, double objective) {}

    /** Runs Lloyd iterations from {@code initial} (cluster labels 0..k-1) until nothing moves. */
    Result refine(int[] initial, int k) {
        int[] assignment = initial.clone();
        double[] memberSimilarity = new double[points * k];
        for (int iteration = 0; iteration < maxIterations; iteration++) {
            repairEmpty(assignment, k);
            double[] centroidNorm = centroidNorms(assignment, k, memberSimilarity);
            boolean moved = false;
            for (int p = 0; p < points; p++) {
                int best = bestCluster(p, k, memberSimilarity, centroidNorm);
                if (best != assignment[p]) {
                    assignment[p] = best;
                    moved = true;
                }
            }
            if (!moved) {
                break;
            }
        }
        repairEmpty(assignment, k);
        double[] centroidNorm = centroidNorms(assignment, k, memberSimilarity);
        double objective = 0;
        for (int p = 0; p < points; p++) {
            objective += cosineToCentroid(p, assignment[p], k, memberSimilarity, centroidNorm);
        }
        return new Result(assignment, objective);
    }

    /** k-means++ seeding on the cosine distance {@code 1 - S}, then {@link #refine}. */
    Result fromSeeding(int k, SplittableRandom random) {
        int[] centres = new int[k];
        centres[0] = random.nextInt(points);
        double[] nearest = new double[points];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        for (int c = 1; c < k; c++) {
            double total = 0;
            for (int p = 0; p < points; p++) {
                double distance = Math.max(0, 1 - similarity[p * points + centres[c - 1]]);
                nearest[p] = Math.min(nearest[p], distance * distance);
                total += nearest[p];
            }
            centres[c] = total <= 0 ? random.nextInt(points) : sample(nearest, total * random.nextDouble());
        }
        int[] assignment = new int[points];
        for (int p = 0; p < points; p++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (similarity[p * points + centres[c]] > similarity[p * points + centres[best]]) {
                    best = c;
                }
            }
            assignment[p] = best;
        }
        for (int c = 0; c < k; c++) {
            assignment[centres[c]] = c;
        }
        return refine(assignment, k);
    }

    /** Mean silhouette on the cosine distance; 0 for a single cluster. */
    double silhouette(int[] assignment, int k) {
        if (k < 2) {
            return 0;
        }
        int[] sizes = new int[k];
        for (int label : assignment) {
            sizes[label]++;
        }
        double total = 0;
        double[] distanceSum = new double[k];
        for (int p = 0; p < points; p++) {
            Arrays.fill(distanceSum, 0);
            for (int q = 0; q < points; q++) {
                if (q != p) {
                    distanceSum[assignment[q]] += 1 - similarity[p * points + q];
                }
            }
            int own = assignment[p];
            if (sizes[own] <= 1) {
                continue;
            }
            double a = distanceSum[own] / (sizes[own] - 1);
            double b = Double.POSITIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                if (c != own && sizes[c] > 0) {
                    b = Math.min(b, distanceSum[c] / sizes[c]);
                }
            }
            double denominator = Math.max(a, b);
            total += denominator == 0 ? 0 : (b - a) / denominator;
        }
        return total / points;
    }

    private double[] centroidNorms(int[] assignment, int k, double[] memberSimilarity) {
        Arrays.fill(memberSimilarity, 0);
        for (int p = 0; p < points; p++) {
            for (int q = 0; q < points; q++) {
                memberSimilarity[p * k + assignment[q]] += similarity[p * points + q];
            }
        }
        double[] squaredNorm = new double[k];
        for (int q = 0; q < points; q++) {
            squaredNorm[assignment[q]] += memberSimilarity[q * k + assignment[q]];
        }
        double[] norm = new double[k];
        for (int c = 0; c < k; c++) {
            norm[c] = Math.sqrt(Math.max(squaredNorm[c], 0));
        }
        return norm;
    }

    private static double cosineToCentroid(int p, int c, int k, double[] memberSimilarity, double[] centroidNorm) {
        return centroidNorm[c] == 0 ? 0 : memberSimilarity[p * k + c] / centroidNorm[c];
    }

    private static int bestCluster(int p, int k, double[] memberSimilarity, double[] centroidNorm) {
        int best = 0;
        double bestCosine = cosineToCentroid(p, 0, k, memberSimilarity, centroidNorm);
        for (int c = 1; c < k; c++) {
            double cosine = cosineToCentroid(p, c, k, memberSimilarity, centroidNorm);
            if (cosine > bestCosine) {
                best = c;
                bestCosine = cosine;
            }
        }
        return best;
    }

    /**
     * An empty cluster takes the point least similar to its own cluster's members (lowest index on
     * ties), so every run ends with exactly k non-empty clusters.
     */
    private void repairEmpty(int[] assignment, int k) {
        int[] sizes = new int[k];
        for (int label : assignment) {
            sizes[label]++;
        }
        for (int c = 0; c < k; c++) {
            if (sizes[c] > 0) {
                continue;
            }
            int worst = -1;
            double worstMean = Double.POSITIVE_INFINITY;
            for (int p = 0; p < points; p++) {
                if (sizes[assignment[p]] <= 1) {
                    continue;
                }
                double sum = 0;
                for (int q = 0; q < points; q++) {
                    if (assignment[q] == assignment[p]) {
                        sum += similarity[p * points + q];
                    }
                }
                double mean = sum / sizes[assignment[p]];
                if (mean < worstMean) {
                    worstMean = mean;
                    worst = p;
                }
            }
            sizes[assignment[worst]]--;
            assignment[worst] = c;
            sizes[c] = 1;
        }
    }

    private static int sample(double[] weights, double target) {
        double cumulative = 0;
        for (int p = 0; p < weights.length; p++) {
            cumulative += weights[p];
            if (target < cumulative) {
                return p;
            }
        }
        for (int p = weights.length - 1; p >= 0; p--) {
            if (weights[p] > 0) {
                return p;
            }
        }
        return 0;
    }
}
