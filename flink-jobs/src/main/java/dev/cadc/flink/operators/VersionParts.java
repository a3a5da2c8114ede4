package dev.cadc.flink.operators;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.curriculum.CapabilityPicks;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.CurriculumVersion;
import dev.cadc.flink.records.CapabilityChoice;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.VersionPart;
import dev.cadc.flink.records.VersionPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Version j from its parts, as {@link VersionAssembler} receives them: every sample bucket's summary
 * and every capability selector's choice, merged and laid out by the core
 * {@link CurriculumVersion#fromPicks} (the batch reference's split of the budget, stages and layout).
 */
final class VersionParts {

    private VersionParts() {}

    /**
     * How many parts version {@code plan} has: with probes, one summary from every bucket of the run
     * and one choice from every capability's selector; without probes none.
     */
    static int expected(VersionPlan plan) {
        return plan.probeIds.length == 0 ? 0
                : SampleBuckets.COUNT + new Clustering(plan.probeIds, plan.assignment).capabilityIds().length;
    }

    /** The merged summary of the buckets' parts. */
    static CurriculumVersion.Summary summary(VersionPlan plan, List<VersionPart> parts) {
        List<CurriculumVersion.Summary> summaries = new ArrayList<>();
        for (VersionPart part : parts) {
            if (part.bucket != null) {
                summaries.add(new CurriculumVersion.Summary(part.bucket.sampleCount, part.bucket.attributed, part.bucket.harmful));
            }
        }
        return CurriculumVersion.Summary.merge(summaries, new Clustering(plan.probeIds, plan.assignment).capabilityIds().length);
    }

    /** Version {@code plan.checkpoint} of run {@code runId} from its parts ({@code summary}: theirs, merged). */
    static CurationResult result(String runId, VersionPlan plan, List<VersionPart> parts, CurriculumVersion.Summary summary,
            CuratorConfig config) {
        Clustering clustering = new Clustering(plan.probeIds, plan.assignment);
        int[] capabilityIds = clustering.capabilityIds();
        Map<Integer, CapabilityChoice> choices = new HashMap<>();
        for (VersionPart part : parts) {
            if (part.choice != null) {
                choices.put(part.choice.capabilityId, part.choice);
            }
        }
        long[][] ids = new long[capabilityIds.length][];
        double[][] influence = new double[capabilityIds.length][];
        CapabilityPicks.Picks[] picks = new CapabilityPicks.Picks[capabilityIds.length];
        for (int c = 0; c < capabilityIds.length; c++) {
            CapabilityChoice choice = choices.get(capabilityIds[c]);
            ids[c] = choice == null ? new long[0] : choice.picks;
            influence[c] = choice == null ? new double[0] : choice.influence;
            // The choice's picks and duplicates are already in order: local indices are positions.
            picks[c] = choice == null ? new CapabilityPicks.Picks(new int[0], new int[0], new int[0], true)
                    : new CapabilityPicks.Picks(IntStream.range(0, choice.picks.length).toArray(),
                            IntStream.range(0, choice.duplicates.length).toArray(), choice.duplicateDepths, choice.exhausted);
        }
        return CurriculumVersion.fromPicks(runId, plan.checkpoint, clustering, plan.difficulty, summary, ids, influence, picks, config);
    }
}
