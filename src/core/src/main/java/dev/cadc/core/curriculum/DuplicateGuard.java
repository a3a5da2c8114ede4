package dev.cadc.core.curriculum;

import dev.cadc.core.math.RowBlock;
import dev.cadc.core.math.Vectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Keeps near-duplicates out of a selection: a sample is admitted only when its mean sketch cosine
 * over the run's checkpoints with every sample chosen so far is at most the threshold (0.98 by
 * default). The mean cosine of samples {@code i} and {@code l} is {@code <t_i, t_l> / J}, where
 * {@code t} concatenates a sample's unit sketches over the {@code J} checkpoints (zero where it has
 * none). The decision is exactly the scalar {@code Vectors.dot(t_i, t_l) > threshold * J} over the
 * chosen samples.
 *
 * <p>Most pairs are far from that threshold, so a certified bound skips them: split each trajectory
 * into its <em>head</em> (the first quarter of every checkpoint's sketch, at least {@value #MIN_HEAD}
 * coordinates) and its tail; then {@code <t_i, t_l> <= <head_i, head_l> + |tail_i| |tail_l|} (Cauchy-Schwarz). The heads of
 * the chosen samples sit in a {@link RowBlock}, so one vectorised pass of {@code J x head} floats per
 * chosen sample bounds every pair; only a pair whose bound (plus a rounding margin) exceeds
 * {@code threshold * J} is decided by the exact {@link Vectors#dot}. A skipped pair's exact dot is below
 * its bound, so the decisions are those of the exact loop over every pair.
 */
public final class DuplicateGuard {

    /** Default threshold of the mean sketch cosine above which two samples are near-duplicates. */
    public static final double DEFAULT_THRESHOLD = 0.98;

    /** Where the guard finds a sample's trajectory {@code t} (length {@code J * k}). */
    @FunctionalInterface
    public interface TrajectoryLookup {
        /**
         * The concatenated unit sketches of sample index {@code sample}.
         *
         * @throws MissingTrajectoryException when the caller did not load this sample's sketches
         */
        float[] trajectory(int sample);
    }

    /** Thrown by a lookup that holds only a shortlist of trajectories and was asked for another. */
    public static final class MissingTrajectoryException extends RuntimeException {
        private final int sample;

        public MissingTrajectoryException(int sample) {
            super("trajectory of sample index " + sample + " is not loaded", null, false, false);
            this.sample = sample;
        }

        public int sample() {
            return sample;
        }
    }

    /**
     * The fewest coordinates of each checkpoint's sketch in the head the bound reads; the head is a
     * quarter of the sketch when that is more. The bound {@code <head_i, head_l> + |tail_i| |tail_l|}
     * rules a pair out only when it is below {@code threshold * J}; with a head of a fraction {@code h}
     * of the energy of two samples of cosine {@code c}, it is about {@code (h c + 1 - h) J}, so at the
     * default 0.98 a head of 64 of 1,024 coordinates ({@code h = 1/16}) rules out almost nothing a
     * capability's samples share (c around 0.8 gives 0.99 J), and a quarter rules out every pair below
     * a cosine of about 0.92. The head's dots run on the vector kernel; the exact check does not.
     */
    static final int MIN_HEAD = 64;

    /** Covers the rounding of the bound's double sums (relative 1e-12 here) many times over. */
    private static final double BOUND_MARGIN = 1e-6;

    private final TrajectoryLookup lookup;
    private final boolean enabled;
    private final int checkpointCount;
    private final double minimumDot;
    private final List<float[]> chosen = new ArrayList<>();
    private double[] chosenTailNorms = new double[16];
    private RowBlock chosenHeads;
    private double[] headDots = new double[16];

    /**
     * @param checkpointCount J, the number of checkpoints the trajectories span
     * @param threshold mean cosine above which two samples count as near-duplicates; 1 or more
     *     disables the guard
     */
    public DuplicateGuard(TrajectoryLookup lookup, int checkpointCount, double threshold) {
        this.lookup = lookup;
        this.enabled = threshold < 1;
        this.checkpointCount = Math.max(1, checkpointCount);
        this.minimumDot = threshold * checkpointCount;
    }

    /** A guard that admits everything (threshold >= 1). */
    public static DuplicateGuard disabled() {
        return new DuplicateGuard(sample -> new float[0], 1, 1);
    }

    /** Whether {@code sample} is no near-duplicate of any chosen sample. */
    public boolean admits(int sample) {
        if (!enabled || chosen.isEmpty()) {
            return true;
        }
        float[] trajectory = lookup.trajectory(sample);
        int k = trajectory.length / checkpointCount;
        int head = headLength(k);
        float[] heads = head(trajectory, k, head);
        double tail = tailNorm(trajectory, k, head);
        int rows = chosen.size();
        if (headDots.length < rows) {
            headDots = new double[Math.max(rows, 2 * headDots.length)];
        }
        chosenHeads.dots(heads, 0, headDots);
        double limit = minimumDot - BOUND_MARGIN * (1 + Math.abs(minimumDot));
        for (int r = 0; r < rows; r++) {
            if (headDots[r] + tail * chosenTailNorms[r] > limit
                    && Vectors.dot(trajectory, 0, chosen.get(r), 0, trajectory.length) > minimumDot) {
                return false;
            }
        }
        return true;
    }

    /**
     * Walks {@code ranked} (sample indices, best first) and takes, in order, each sample that is no
     * near-duplicate of one taken before it, until {@code count} are taken or the ranking ends: the
     * guard CADC's selection applies, for a selection made by any other ranking (a baseline).
     */
    public int[] firstAdmitted(int[] ranked, long count) {
        List<Integer> taken = new ArrayList<>();
        for (int sample : ranked) {
            if (taken.size() >= count) {
                break;
            }
            if (admits(sample)) {
                accept(sample);
                taken.add(sample);
            }
        }
        return taken.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Records {@code sample} as chosen. */
    public void accept(int sample) {
        if (!enabled) {
            return;
        }
        float[] trajectory = lookup.trajectory(sample);
        int k = trajectory.length / checkpointCount;
        int head = headLength(k);
        if (chosenHeads == null) {
            chosenHeads = RowBlock.growable(checkpointCount * head);
        }
        chosenHeads.append(head(trajectory, k, head), 0);
        if (chosenTailNorms.length == chosen.size()) {
            chosenTailNorms = Arrays.copyOf(chosenTailNorms, 2 * chosenTailNorms.length);
        }
        chosenTailNorms[chosen.size()] = tailNorm(trajectory, k, head);
        chosen.add(trajectory);
    }

    /** Coordinates of each checkpoint's sketch of length {@code k} in the head. */
    static int headLength(int k) {
        return Math.min(k, Math.max(MIN_HEAD, k / 4));
    }

    /** The first {@code head} coordinates of each of the trajectory's {@code J} sketches of length {@code k}. */
    private float[] head(float[] trajectory, int k, int head) {
        float[] heads = new float[checkpointCount * head];
        for (int j = 0; j < checkpointCount; j++) {
            System.arraycopy(trajectory, j * k, heads, j * head, head);
        }
        return heads;
    }

    /** The Euclidean norm of everything but the heads. */
    private double tailNorm(float[] trajectory, int k, int head) {
        double sum = 0;
        for (int j = 0; j < checkpointCount; j++) {
            for (int d = j * k + head; d < (j + 1) * k; d++) {
                sum += (double) trajectory[d] * trajectory[d];
            }
        }
        return Math.sqrt(sum);
    }
}
