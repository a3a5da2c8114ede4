package dev.cadc.core.curriculum;

import java.util.Arrays;
import java.util.List;

/**
 * A curriculum and the reasons for it: the capabilities found, the stages with their samples in
 * curriculum order, the harmful samples excluded, and the budget accounting.
 *
 * @param checkpoint the newest checkpoint folded in (the curriculum version)
 * @param budget B, the resolved number of samples to select
 * @param poolSize |D|, the distinct sample ids of the run's influence source
 * @param shortfall how many of B could not be filled
 * @param harmful ids of the samples excluded as harmful, ascending
 * @param duplicatesSkipped candidates skipped as near-duplicates of chosen samples
 * @param parameters the effective curation parameters ({@link CurationParameters#of}), carried with the
 *     curriculum so that a version can be replayed exactly
 */
public record CurationResult(
        String runId,
        int checkpoint,
        long budget,
        long poolSize,
        long shortfall,
        List<CapabilityOutcome> capabilities,
        List<StageOutcome> stages,
        long[] harmful,
        int duplicatesSkipped,
        java.util.Map<String, String> parameters) {

    /** One capability: its probes, difficulty, stage and the number of samples attributed to it. */
    public record CapabilityOutcome(int id, long[] probes, double difficulty, long attributed, int stage) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CapabilityOutcome other && id == other.id && Arrays.equals(probes, other.probes)
                    && Double.compare(difficulty, other.difficulty) == 0 && attributed == other.attributed
                    && stage == other.stage;
        }

        @Override
        public int hashCode() {
            return 31 * id + Arrays.hashCode(probes);
        }

        @Override
        public String toString() {
            return "Capability{" + id + ", " + probes.length + " probes, difficulty " + difficulty
                    + ", attributed " + attributed + ", stage " + stage + "}";
        }
    }

    /** A selected sample, with the capability influence {@code I(i, c)} of its capability. */
    public record SelectedSample(long id, int capability, double influence) {}

    /** A stage: the samples it introduces, in curriculum order, and its share of training steps. */
    public record StageOutcome(int stage, double stepShare, List<SelectedSample> samples) {}

    /** Every selected sample in curriculum order. */
    public List<SelectedSample> selected() {
        return stages.stream().flatMap(stage -> stage.samples().stream()).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CurationResult other && runId.equals(other.runId) && checkpoint == other.checkpoint
                && budget == other.budget && poolSize == other.poolSize && shortfall == other.shortfall
                && capabilities.equals(other.capabilities) && stages.equals(other.stages)
                && Arrays.equals(harmful, other.harmful) && duplicatesSkipped == other.duplicatesSkipped
                && parameters.equals(other.parameters);
    }

    @Override
    public int hashCode() {
        return runId.hashCode() * 31 + stages.hashCode();
    }

    @Override
    public String toString() {
        return "CurationResult{run " + runId + ", checkpoint " + checkpoint + ", " + selected().size() + " of budget "
                + budget + " from " + poolSize + ", " + capabilities.size() + " capabilities, " + harmful.length
                + " harmful, shortfall " + shortfall + "}";
    }
}
