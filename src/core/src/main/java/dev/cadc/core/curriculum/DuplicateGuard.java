package dev.cadc.core.curriculum;

import dev.cadc.core.math.Vectors;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps near-duplicates out of a selection: a sample is admitted only when its mean sketch cosine
 * over the run's checkpoints with every sample chosen so far is at most the threshold (0.98 by
 * default). The mean cosine of samples {@code i} and {@code l} is {@code <t_i, t_l> / J}, where
 * {@code t} concatenates a sample's unit sketches over the {@code J} checkpoints (zero where it has
 * none).
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

    /** From this many chosen samples on, a check runs over them in parallel. */
    private static final int PARALLEL_FROM = 512;

    private final TrajectoryLookup lookup;
    private final boolean enabled;
    private final double minimumDot;
    private final List<float[]> chosen = new ArrayList<>();

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
        if (chosen.size() < PARALLEL_FROM) {
            for (float[] other : chosen) {
                if (Vectors.dot(trajectory, 0, other, 0, trajectory.length) > minimumDot) {
                    return false;
                }
            }
            return true;
        }
        // The same verdict, split over threads: whether any chosen sample is too close.
        return java.util.stream.IntStream.range(0, chosen.size()).parallel()
                .noneMatch(c -> Vectors.dot(trajectory, 0, chosen.get(c), 0, trajectory.length) > minimumDot);
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
            chosen.add(lookup.trajectory(sample));
        }
    }
}
