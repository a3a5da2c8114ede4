package dev.cadc.core.curriculum;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.influence.CapabilityScorer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * One curriculum version from a run's folded influence, in the steps both drivers take in the same
 * order: {@link #score} every sample under the clustering, {@link #select} (budget, duplicate guard,
 * balanced selection) and {@link #assemble} (capabilities, stages, harmful ids, parameters). The
 * batch {@link Curator} and the Flink job's curriculum builder call these and nothing else, so a
 * version is built by one implementation whichever way its influence was accumulated.
 */
public final class CurriculumVersion {

    private CurriculumVersion() {}

    /**
     * The verdict on every sample: capability influence, attribution, harm. Each sample's score
     * depends on its row alone, so scoring in parallel changes nothing.
     *
     * @param rows {@code A(i, .)} of sample index {@code i}, in the clustering's probe order
     */
    public static CapabilityScorer.Score[] score(Clustering clustering, IntFunction<double[]> rows, int sampleCount,
            CuratorConfig config) {
        CapabilityScorer scorer = new CapabilityScorer(clustering, config.aggregation(), config.strongest(), config.harmRule());
        return IntStream.range(0, sampleCount).parallel()
                .mapToObj(i -> scorer.score(rows.apply(i)))
                .toArray(CapabilityScorer.Score[]::new);
    }

    /**
     * Balanced selection of the resolved budget, skipping near-duplicates.
     *
     * @param trajectories each candidate's trajectory over {@code trajectoryCheckpoints} checkpoints; may be
     *     null when the duplicate threshold disables the guard
     */
    public static Selection select(Clustering clustering, InfluenceView influence, CapabilityScorer.Score[] scores,
            CuratorConfig config, DuplicateGuard.TrajectoryLookup trajectories, int trajectoryCheckpoints) {
        long budget = config.budget().resolve(influence.sampleCount());
        DuplicateGuard guard = config.duplicateThreshold() >= 1 ? DuplicateGuard.disabled()
                : new DuplicateGuard(trajectories, trajectoryCheckpoints, config.duplicateThreshold());
        return new BalancedSelector(config.withinCapability()).select(clustering, influence, scores, budget, guard);
    }

    /**
     * The curriculum from a selection: capabilities with difficulty, stage and attributed count, the
     * stages in curriculum order, the harmful ids. The streaming job's curriculum builder calls this
     * too, so both paths lay out a curriculum identically.
     */
    public static CurationResult assemble(String runId, int checkpoint, Clustering clustering, double[] difficulty,
            InfluenceView influence, CapabilityScorer.Score[] scores, Selection selection, CuratorConfig config) {
        StagePlan plan = config.stages();
        int[] capabilityIds = clustering.capabilityIds();
        int[] stageOf = StageSequencer.stages(capabilityIds, difficulty, plan);
        long[] attributed = new long[capabilityIds.length];
        List<Long> harmful = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (scores[i].harmful()) {
                harmful.add(influence.sampleId(i));
            } else if (scores[i].attributedIndex() >= 0) {
                attributed[scores[i].attributedIndex()]++;
            }
        }
        List<CurationResult.CapabilityOutcome> capabilities = new ArrayList<>();
        for (int c = 0; c < capabilityIds.length; c++) {
            capabilities.add(new CurationResult.CapabilityOutcome(capabilityIds[c], clustering.probeIdsOf(capabilityIds[c]),
                    difficulty[c], attributed[c], stageOf[c]));
        }
        int stageCount = Arrays.stream(stageOf).max().orElse(0);
        double[] shares = plan.stepShares();
        TreeMap<Integer, List<CurationResult.SelectedSample>> byStage = new TreeMap<>();
        for (int stage = 1; stage <= stageCount; stage++) {
            byStage.put(stage, new ArrayList<>());
        }
        for (int c : StageSequencer.curriculumOrder(capabilityIds, difficulty, stageOf, plan)) {
            for (int sample : selection.selectedByCapability()[c]) {
                byStage.get(stageOf[c]).add(new CurationResult.SelectedSample(
                        influence.sampleId(sample), capabilityIds[c], scores[sample].capabilityInfluence()[c]));
            }
        }
        List<CurationResult.StageOutcome> stages = new ArrayList<>();
        byStage.forEach((stage, samples) -> stages.add(new CurationResult.StageOutcome(
                stage, stageCount == shares.length ? shares[stage - 1] : 1.0 / stageCount, List.copyOf(samples))));
        return new CurationResult(runId, checkpoint, selection.budget(), influence.sampleCount(),
                selection.shortfall(), List.copyOf(capabilities), List.copyOf(stages),
                harmful.stream().mapToLong(Long::longValue).toArray(), selection.duplicatesSkipped(),
                CurationParameters.of(config));
    }

}
