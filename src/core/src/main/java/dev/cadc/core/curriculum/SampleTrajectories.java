package dev.cadc.core.curriculum;

import dev.cadc.core.influence.SampleCheckpoint;

/**
 * Every influence sample's trajectory (its unit sketches over the influence checkpoints, concatenated:
 * what the duplicate guard compares), kept by the batch curator while it folds, so selection needs no
 * further read of the sketches. Each part is the one the fold hands back ({@link SampleCheckpoint#trajectoryPart}
 * of the sample's counted rows at that checkpoint); a checkpoint without a row stays zero, as in the
 * trajectories the curator otherwise loads in a pass of their own.
 */
final class SampleTrajectories {

    private final int sketchDim;
    private final int[] checkpoints;
    private final float[][] bySample;

    SampleTrajectories(int sampleCount, int[] checkpoints, int sketchDim) {
        this.sketchDim = sketchDim;
        this.checkpoints = checkpoints.clone();
        this.bySample = new float[sampleCount][];
    }

    /** Bytes the trajectories of {@code sampleCount} samples take. */
    static long bytes(long sampleCount, int checkpointCount, int sketchDim) {
        return sampleCount * checkpointCount * sketchDim * Float.BYTES;
    }

    /** Sample {@code sample}'s part at {@code checkpoint} (length k), as the fold made it. */
    void put(int sample, int checkpoint, float[] part) {
        System.arraycopy(part, 0, trajectory(sample), slot(checkpoint) * sketchDim, sketchDim);
    }

    /** The guard's lookup; every sample with a row has its trajectory. */
    DuplicateGuard.TrajectoryLookup lookup() {
        return sample -> {
            float[] trajectory = bySample[sample];
            if (trajectory == null) {
                throw new DuplicateGuard.MissingTrajectoryException(sample);
            }
            return trajectory;
        };
    }

    private float[] trajectory(int sample) {
        float[] trajectory = bySample[sample];
        if (trajectory == null) {
            trajectory = new float[checkpoints.length * sketchDim];
            bySample[sample] = trajectory;
        }
        return trajectory;
    }

    private int slot(int checkpoint) {
        int slot = java.util.Arrays.binarySearch(checkpoints, checkpoint);
        if (slot < 0) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " is not an influence checkpoint");
        }
        return slot;
    }
}
