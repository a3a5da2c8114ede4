package dev.cadc.flink.operators;

import dev.cadc.core.curriculum.CapabilityPicks;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.DuplicateGuard;
import dev.cadc.core.curriculum.WaterFill;
import dev.cadc.flink.records.CandidateBatch;
import dev.cadc.flink.records.CapabilityChoice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One capability's decision at one version, from every sample bucket's {@link CandidateBatch}: the
 * candidates merged in ascending id (the batch reference's order), the capability's limit from the
 * budget over every capability's candidate count ({@link WaterFill#limits}), and the core
 * {@link CapabilityPicks#pick} up to twice that limit ({@link WaterFill#reach}), as the batch
 * reference calls it. {@link CapabilitySelector} holds the batches and the trajectories in keyed state.
 */
final class CapabilityDecision {

    /** A candidate's trajectory by version and sample id, read from state only when the guard reaches it. */
    interface Trajectories {
        float[] of(int checkpoint, long sampleId);
    }

    private CapabilityDecision() {}

    /** The capability's picks at {@code parts}' version (one batch from every bucket of the run). */
    static CapabilityChoice choose(List<CandidateBatch> parts, CuratorConfig config, Trajectories trajectories) {
        CandidateBatch first = parts.get(0);
        int slots = first.probeSlots;
        long sampleCount = 0;
        long[] candidateCounts = new long[first.candidateCounts.length];
        List<int[]> entries = new ArrayList<>();
        for (int b = 0; b < parts.size(); b++) {
            sampleCount += parts.get(b).sampleCount;
            for (int c = 0; c < candidateCounts.length; c++) {
                candidateCounts[c] += parts.get(b).candidateCounts[c];
            }
            for (int n = 0; n < parts.get(b).ids.length; n++) {
                entries.add(new int[] {b, n});
            }
        }
        entries.sort(Comparator.comparingLong(e -> parts.get(e[0]).ids[e[1]]));
        long[] ids = new long[entries.size()];
        double[][] influence = new double[entries.size()][];
        double[] attributed = new double[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            CandidateBatch part = parts.get(entries.get(i)[0]);
            int n = entries.get(i)[1];
            ids[i] = part.ids[n];
            influence[i] = Arrays.copyOfRange(part.influence, n * slots, (n + 1) * slots);
            attributed[i] = part.attributed[n];
        }
        long limit = WaterFill.limits(config.budget().resolve(sampleCount), candidateCounts)[first.capabilityIndex];
        int checkpoint = first.checkpoint;
        DuplicateGuard guard = config.duplicateThreshold() >= 1 ? DuplicateGuard.disabled()
                : new DuplicateGuard(i -> trajectories.of(checkpoint, ids[i]), first.trajectoryCheckpoints, config.duplicateThreshold());
        CapabilityPicks.Picks picks = CapabilityPicks.pick(config.withinCapability(), slots,
                CapabilityPicks.of(ids, influence, attributed), guard, WaterFill.reach(limit));

        CapabilityChoice choice = new CapabilityChoice();
        choice.runId = first.runId;
        choice.checkpoint = first.checkpoint;
        choice.capabilityId = first.capabilityId;
        choice.picks = Arrays.stream(picks.picks()).mapToLong(i -> ids[i]).toArray();
        choice.influence = Arrays.stream(picks.picks()).mapToDouble(i -> attributed[i]).toArray();
        choice.exhausted = picks.exhausted();
        choice.duplicates = Arrays.stream(picks.duplicates()).mapToLong(i -> ids[i]).toArray();
        choice.duplicateDepths = picks.duplicateDepths();
        return choice;
    }
}
