package dev.cadc.core.curriculum;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.influence.CapabilityScorer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

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
        return new BalancedSelector(config.withinCapability()).select(clustering, influence, scores, budget,
                trajectories, trajectoryCheckpoints, config.duplicateThreshold());
    }

    /**
     * The curriculum from a selection: capabilities with difficulty, stage and attributed count, the
     * stages in curriculum order, the harmful ids. Computes the summaries of the table and calls
     * {@link #assemble(String, int, Clustering, double[], Summary, long[][], double[][], long, long, int, CuratorConfig)}.
     */
    public static CurationResult assemble(String runId, int checkpoint, Clustering clustering, double[] difficulty,
            InfluenceView influence, CapabilityScorer.Score[] scores, Selection selection, CuratorConfig config) {
        Summary summary = Summary.of(influence, scores, clustering.capabilityCount());
        int[][] picks = selection.selectedByCapability();
        long[][] ids = new long[picks.length][];
        double[][] capabilityInfluence = new double[picks.length][];
        for (int c = 0; c < picks.length; c++) {
            int capability = c;
            ids[c] = Arrays.stream(picks[c]).mapToLong(influence::sampleId).toArray();
            capabilityInfluence[c] = Arrays.stream(picks[c]).mapToDouble(i -> scores[i].capabilityInfluence()[capability]).toArray();
        }
        return assemble(runId, checkpoint, clustering, difficulty, summary, ids, capabilityInfluence, selection.budget(),
                selection.shortfall(), selection.duplicatesSkipped(), config);
    }

    /**
     * The curriculum from every capability's pick order (ascending capability id order), each computed
     * up to {@link WaterFill#reach} of the capability's limit: the budget {@code config.budget()} of
     * {@code summary}'s samples split by {@link WaterFill.Split#of} (limits over the summary's candidate
     * counts), each capability's first picks, the layout of {@link #assemble(String, int, Clustering,
     * double[], Summary, long[][], double[][], long, long, int, CuratorConfig)}. The Flink job's assembler
     * calls this with the pick orders its capability selectors sent; the batch {@link BalancedSelector}
     * makes the same split.
     *
     * @param pickIds per capability, the sample ids of its pick order
     * @param pickInfluence per capability, their {@code I(i, c)}
     * @param picks per capability, its pick order over local indices {@code 0..pickIds[c].length - 1}
     *     with the near-duplicates it skipped
     */
    public static CurationResult fromPicks(String runId, int checkpoint, Clustering clustering, double[] difficulty,
            Summary summary, long[][] pickIds, double[][] pickInfluence, CapabilityPicks.Picks[] picks, CuratorConfig config) {
        long budget = config.budget().resolve(summary.sampleCount());
        WaterFill.Split split = WaterFill.Split.of(budget, WaterFill.limits(budget, summary.attributed()), picks);
        long[][] ids = new long[picks.length][];
        double[][] influence = new double[picks.length][];
        for (int c = 0; c < picks.length; c++) {
            int taken = (int) split.given()[c];
            ids[c] = Arrays.copyOf(pickIds[c], taken);
            influence[c] = Arrays.copyOf(pickInfluence[c], taken);
        }
        return assemble(runId, checkpoint, clustering, difficulty, summary, ids, influence, budget, split.shortfall(),
                split.duplicateCount(), config);
    }

    /**
     * What assembling a version needs of the samples besides the picks: how many there are, how many
     * are attributed to each capability (and not harmful), and which are harmful. It adds up over
     * disjoint groups of samples, so the Flink job's subtasks each send theirs.
     *
     * @param harmful ascending sample ids
     */
    public record Summary(long sampleCount, long[] attributed, long[] harmful) {

        public static Summary of(InfluenceView influence, CapabilityScorer.Score[] scores, int capabilities) {
            long[] attributed = new long[capabilities];
            LongStream.Builder harmful = LongStream.builder();
            for (int i = 0; i < scores.length; i++) {
                if (scores[i].harmful()) {
                    harmful.add(influence.sampleId(i));
                } else if (scores[i].attributedIndex() >= 0) {
                    attributed[scores[i].attributedIndex()]++;
                }
            }
            return new Summary(influence.sampleCount(), attributed, harmful.build().toArray());
        }

        /** The sum of summaries of disjoint groups of samples (harmful ids merged in ascending order). */
        public static Summary merge(List<Summary> parts, int capabilities) {
            long count = 0;
            long[] attributed = new long[capabilities];
            LongStream.Builder harmful = LongStream.builder();
            for (Summary part : parts) {
                count += part.sampleCount();
                for (int c = 0; c < capabilities; c++) {
                    attributed[c] += part.attributed()[c];
                }
                Arrays.stream(part.harmful()).forEach(harmful::add);
            }
            return new Summary(count, attributed, harmful.build().sorted().toArray());
        }
    }

    /**
     * The curriculum from its parts: the samples' {@link Summary} and, per capability (ascending id
     * order), the ids picked and their {@code I(i, c)}, with the budget, shortfall and near-duplicates skipped. Both the batch reference and the Flink job's
     * coordinator call this, so both lay out a curriculum identically.
     */
    public static CurationResult assemble(String runId, int checkpoint, Clustering clustering, double[] difficulty,
            Summary summary, long[][] selectedIds, double[][] selectedInfluence, long budget, long shortfall, int duplicatesSkipped,
            CuratorConfig config) {
        StagePlan plan = config.stages();
        int[] capabilityIds = clustering.capabilityIds();
        int[] stageOf = StageSequencer.stages(capabilityIds, difficulty, plan);
        List<CurationResult.CapabilityOutcome> capabilities = new ArrayList<>();
        for (int c = 0; c < capabilityIds.length; c++) {
            capabilities.add(new CurationResult.CapabilityOutcome(capabilityIds[c], clustering.probeIdsOf(capabilityIds[c]),
                    difficulty[c], summary.attributed()[c], stageOf[c]));
        }
        int stageCount = Arrays.stream(stageOf).max().orElse(0);
        TreeMap<Integer, List<CurationResult.SelectedSample>> byStage = new TreeMap<>();
        for (int stage = 1; stage <= stageCount; stage++) {
            byStage.put(stage, new ArrayList<>());
        }
        for (int c : StageSequencer.curriculumOrder(capabilityIds, difficulty, stageOf, plan)) {
            for (int pick = 0; pick < selectedIds[c].length; pick++) {
                byStage.get(stageOf[c]).add(new CurationResult.SelectedSample(
                        selectedIds[c][pick], capabilityIds[c], selectedInfluence[c][pick]));
            }
        }
        double[] shares = plan.sharesFor(byStage.values().stream().mapToLong(List::size).toArray());
        List<CurationResult.StageOutcome> stages = new ArrayList<>();
        byStage.forEach((stage, samples) -> stages.add(new CurationResult.StageOutcome(
                stage, shares[stage - 1], List.copyOf(samples))));
        return new CurationResult(runId, checkpoint, budget, summary.sampleCount(), shortfall, List.copyOf(capabilities),
                List.copyOf(stages), summary.harmful(), duplicatesSkipped, CurationParameters.of(config));
    }
}
