package dev.cadc.core.curriculum;

import dev.cadc.core.influence.CapabilityScorer;
import java.util.Arrays;
import java.util.Locale;

/**
 * Why a sample is, or is not, in a curriculum: its capability influence for every capability, the
 * capability it is attributed to, its rank there by influence and the lowest influence selected there
 * (the cutoff), its stage, and whether it was excluded as harmful or skipped as a near-duplicate.
 */
public record Explanation(
        long sampleId,
        boolean inPool,
        int[] capabilityIds,
        double[] capabilityInfluence,
        int attributedCapability,
        boolean harmful,
        boolean duplicateSkipped,
        boolean selected,
        int stage,
        int rank,
        int candidatesInCapability,
        double cutoff) {

    /** Explains {@code sampleId} under a detailed curation. */
    public static Explanation of(Curator.Detailed detailed, long sampleId) {
        Curator.Analysis analysis = detailed.analysis();
        int[] capabilityIds = analysis.clustering().capabilityIds();
        int sample = analysis.influence().indexOf(sampleId);
        if (sample < 0) {
            return new Explanation(sampleId, false, capabilityIds, new double[0], -1, false, false, false, -1, -1, 0, Double.NaN);
        }
        CapabilityScorer.Score[] scores = analysis.scores();
        CapabilityScorer.Score score = scores[sample];
        int attributedIndex = score.attributedIndex();
        boolean duplicate = Arrays.stream(detailed.selection().duplicateSamples()).anyMatch(i -> i == sample);
        int stage = -1;
        for (CurationResult.StageOutcome outcome : detailed.result().stages()) {
            if (outcome.samples().stream().anyMatch(s -> s.id() == sampleId)) {
                stage = outcome.stage();
            }
        }
        int rank = -1;
        int candidates = 0;
        double cutoff = Double.NaN;
        if (attributedIndex >= 0) {
            double own = score.attributedInfluence();
            int better = 0;
            for (int i = 0; i < scores.length; i++) {
                if (scores[i].isCandidate() && scores[i].attributedIndex() == attributedIndex) {
                    candidates++;
                    double other = scores[i].attributedInfluence();
                    if (other > own || (other == own && analysis.influence().sampleId(i) < sampleId)) {
                        better++;
                    }
                }
            }
            rank = better + 1;
            cutoff = Arrays.stream(detailed.selection().selectedByCapability()[attributedIndex])
                    .mapToDouble(i -> scores[i].attributedInfluence()).min().orElse(Double.NaN);
        }
        return new Explanation(sampleId, true, capabilityIds, score.capabilityInfluence(),
                attributedIndex < 0 ? -1 : capabilityIds[attributedIndex], score.harmful(), duplicate, stage > 0, stage, rank,
                candidates, cutoff);
    }

    /** One sentence with the verdict. */
    public String verdict() {
        if (!inPool) {
            return "sample " + sampleId + " is not in the run's pool (no influence-source sketch up to this version)";
        }
        if (selected) {
            return String.format(Locale.ROOT, "selected: capability %d, stage %d (rank %d of %d candidates by influence; "
                    + "the lowest influence selected there is %.6g)", attributedCapability, stage, rank, candidatesInCapability, cutoff);
        }
        if (harmful) {
            return "not selected: harmful (its strongest probe interactions are net negative: mislabelled or off-distribution)";
        }
        if (attributedCapability < 0) {
            return "not selected: no capability gains from it (no positive capability influence)";
        }
        if (duplicateSkipped) {
            return "not selected: a near-duplicate (mean sketch cosine above the threshold) of a sample already chosen";
        }
        return String.format(Locale.ROOT, "not selected: capability %d's share was filled before it (rank %d of %d; the lowest "
                + "influence selected there is %.6g)", attributedCapability, rank, candidatesInCapability, cutoff);
    }
}
