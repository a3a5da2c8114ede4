package dev.cadc.core.curriculum;

import dev.cadc.core.math.RowBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps near-duplicates out of a selection: a sample is admitted only when its mean sketch cosine
 * over the run's checkpoints with every sample chosen so far is at most the threshold (0.98 by
 * default). The mean cosine of samples {@code i} and {@code l} is {@code <t_i, t_l> / J}, where
 * {@code t} concatenates a sample's unit sketches over the {@code J} checkpoints (zero where it has
 * none). The chosen trajectories are held in a {@link RowBlock}: a candidate is compared with all of
 * them in one vectorised pass that stops at the first block holding a near-duplicate, and decides exactly
 * as the scalar {@code Vectors.dot(t_i, t_l) > threshold * J} loop over the chosen samples would.
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

    private final TrajectoryLookup lookup;
    private final boolean enabled;
    private final double minimumDot;
    private RowBlock chosen;

    /**
     * @param checkpointCount J, the number of checkpoints the trajectories span
     * @param threshold mean cosine above which two samples count as near-duplicates; 1 or more
     *     disables the guard
     */
    public DuplicateGuard(TrajectoryLookup lookup, int checkpointCount, double threshold) {
        this.lookup = lookup;
        this.enabled = threshold < 1;
        this.minimumDot = threshold * checkpointCount;
    }

    /** A guard that admits everything (threshold >= 1). */
    public static DuplicateGuard disabled() {
        return new DuplicateGuard(sample -> new float[0], 1, 1);
    }

    /** Whether {@code sample} is no near-duplicate of any chosen sample. */
    public boolean admits(int sample) {
        if (!enabled) {
            return true;
        }
        float[] trajectory = lookup.trajectory(sample);
        return chosen == null || !chosen.anyAbove(trajectory, 0, minimumDot);
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
        if (enabled) {
            float[] trajectory = lookup.trajectory(sample);
            if (chosen == null) {
                chosen = RowBlock.growable(trajectory.length);
            }
            chosen.append(trajectory, 0);
        }
    }
}
