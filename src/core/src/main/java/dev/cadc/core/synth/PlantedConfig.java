package dev.cadc.core.synth;

/**
 * The shape of a planted sketch set (see {@link PlantedSketches}).
 *
 * @param capabilities K, the number of planted capability directions
 * @param sketchDim k
 * @param checkpoints J, checkpoints 0..J-1
 * @param probesPerCapability probes around each capability direction
 * @param helpfulPerCapability pool samples aligned with each capability
 * @param harmfulFraction harmful (anti-aligned) samples, as a fraction of the helpful ones
 * @param irrelevantFraction samples in random directions, as a fraction of the helpful ones
 * @param duplicateFraction near-copies of helpful samples, as a fraction of the helpful ones
 * @param noise per-checkpoint noise norm relative to the unit signal
 * @param drift how far each capability direction moves per checkpoint
 * @param trainSteps TRAIN rows per checkpoint window (0 = none; each trains on one pool sample)
 */
public record PlantedConfig(
        String runId,
        long seed,
        int capabilities,
        int sketchDim,
        int checkpoints,
        int probesPerCapability,
        int helpfulPerCapability,
        double harmfulFraction,
        double irrelevantFraction,
        double duplicateFraction,
        double noise,
        double drift,
        long projectionSeed,
        int trainSteps) {

    public PlantedConfig {
        if (capabilities < 1 || sketchDim < 2 || checkpoints < 1 || probesPerCapability < 1 || helpfulPerCapability < 1) {
            throw new IllegalArgumentException("capabilities, checkpoints, probes and helpful samples must be >= 1 and k >= 2");
        }
        if (harmfulFraction < 0 || irrelevantFraction < 0 || duplicateFraction < 0 || noise < 0 || drift < 0 || trainSteps < 0) {
            throw new IllegalArgumentException("fractions, noise, drift and train steps must be >= 0");
        }
    }

    /** A small default set: K capabilities at dimension k, 4 checkpoints, noise 0.5. */
    public static PlantedConfig of(String runId, long seed, int capabilities, int sketchDim) {
        return new PlantedConfig(runId, seed, capabilities, sketchDim, 4, 24, 120, 0.25, 0.25, 0.2, 0.5, 0.3, 42L, 0);
    }

    public PlantedConfig withPool(int helpfulPerCapability, int probesPerCapability) {
        return new PlantedConfig(runId, seed, capabilities, sketchDim, checkpoints, probesPerCapability, helpfulPerCapability,
                harmfulFraction, irrelevantFraction, duplicateFraction, noise, drift, projectionSeed, trainSteps);
    }

    public PlantedConfig withCheckpoints(int newCheckpoints) {
        return new PlantedConfig(runId, seed, capabilities, sketchDim, newCheckpoints, probesPerCapability, helpfulPerCapability,
                harmfulFraction, irrelevantFraction, duplicateFraction, noise, drift, projectionSeed, trainSteps);
    }

    public PlantedConfig withNoise(double newNoise) {
        return new PlantedConfig(runId, seed, capabilities, sketchDim, checkpoints, probesPerCapability, helpfulPerCapability,
                harmfulFraction, irrelevantFraction, duplicateFraction, newNoise, drift, projectionSeed, trainSteps);
    }

    public PlantedConfig withTrainSteps(int newTrainSteps) {
        return new PlantedConfig(runId, seed, capabilities, sketchDim, checkpoints, probesPerCapability, helpfulPerCapability,
                harmfulFraction, irrelevantFraction, duplicateFraction, noise, drift, projectionSeed, newTrainSteps);
    }
}
