package dev.cadc.core.curriculum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.influence.AggregationRule;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CuratorTest extends CurationTestBase {

    @Test
    void perProbeInfluenceEqualsABruteForceLoop() {
        PlantedSketches.PlantedSet set = planted(4, 64, 11);
        Curator.Analysis analysis = analyse(set, CuratorConfig.defaults(), InfluenceSource.POOL);

        List<Row> probes = rows(set.batches(), Role.PROBE);
        List<Row> pool = rows(set.batches(), Role.POOL);
        long[] probeIds = analysis.clustering().probeIds();
        Map<Long, Integer> probeIndex = new HashMap<>();
        for (int p = 0; p < probeIds.length; p++) {
            probeIndex.put(probeIds[p], p);
        }
        Map<Long, double[]> expected = new HashMap<>();
        for (Row sample : pool) {
            double[] row = expected.computeIfAbsent(sample.sampleId(), id -> new double[probeIds.length]);
            for (Row probe : probes) {
                if (probe.checkpoint() == sample.checkpoint()) {
                    row[probeIndex.get(probe.sampleId())] += sample.learningRate() * cosine(sample.sketch(), probe.sketch());
                }
            }
        }
        InfluenceTable table = analysis.influence();
        assertThat(table.sampleCount()).isEqualTo(expected.size());
        for (int i = 0; i < table.sampleCount(); i++) {
            double[] want = expected.get(table.sampleId(i));
            for (int p = 0; p < probeIds.length; p++) {
                assertThat(table.influence(i, p)).isCloseTo(want[p], within(1e-4 * Math.abs(want[p]) + 1e-9));
            }
        }
    }

    @Test
    void trainSourceInfluenceEqualsABruteForceLoopOverSteps() {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(PlantedConfig.of(RUN, 12, 3, 64).withTrainSteps(300));
        Curator.Analysis analysis = analyse(set, CuratorConfig.defaults(), InfluenceSource.TRAIN);

        List<Row> probes = rows(set.batches(), Role.PROBE);
        long[] probeIds = analysis.clustering().probeIds();
        Map<Long, double[]> expected = new HashMap<>();
        for (Row step : rows(set.batches(), Role.TRAIN)) {
            if (step.checkpoint() < 0) {
                continue;
            }
            double[] row = expected.computeIfAbsent(step.sampleId(), id -> new double[probeIds.length]);
            for (Row probe : probes) {
                if (probe.checkpoint() == step.checkpoint()) {
                    row[Arrays.binarySearch(probeIds, probe.sampleId())] += step.learningRate() * cosine(step.sketch(), probe.sketch());
                }
            }
        }
        InfluenceTable table = analysis.influence();
        assertThat(table.sampleCount()).isEqualTo(expected.size());
        for (int i = 0; i < table.sampleCount(); i++) {
            double[] want = expected.get(table.sampleId(i));
            for (int p = 0; p < probeIds.length; p++) {
                assertThat(table.influence(i, p)).isCloseTo(want[p], within(1e-4 * Math.abs(want[p]) + 1e-9));
            }
        }
    }

    @Test
    void shuffledInputGivesTheIdenticalCurriculum() {
        PlantedSketches.PlantedSet set = planted(5, 128, 13);
        CurationResult ordered = curate(set, CuratorConfig.defaults());
        CurationResult shuffled = curate(shuffledRows(set.batches(), 99, 333), 128, CuratorConfig.defaults(), InfluenceSource.POOL);

        assertThat(shuffled).isEqualTo(ordered);
        assertThat(CurriculumJson.write(CurriculumJson.of(shuffled))).isEqualTo(CurriculumJson.write(CurriculumJson.of(ordered)));
    }

    /**
     * Rows in checkpoint order (as publishers write them) are folded in one read of the source; rows
     * out of order take one read per checkpoint. Both give the same curriculum (above), so this checks
     * only that the one-read path is the one taken.
     */
    @Test
    void rowsInCheckpointOrderAreFoldedInOneRead() {
        PlantedSketches.PlantedSet set = planted(4, 64, 13);
        int[] scans = {0};
        SketchSource ordered = visitor -> {
            scans[0]++;
            set.batches().forEach(visitor);
        };
        new Curator(CuratorConfig.defaults()).curate(ordered, RUN, 64, InfluenceSource.POOL);
        int orderedScans = scans[0];
        List<SketchBatch> shuffledBatches = shuffledRows(set.batches(), 5, 97);
        scans[0] = 0;
        new Curator(CuratorConfig.defaults()).curate(visitor -> {
            scans[0]++;
            shuffledBatches.forEach(visitor);
        }, RUN, 64, InfluenceSource.POOL);
        int checkpoints = 4;
        assertThat(scans[0] - orderedScans).as("reads saved").isEqualTo(checkpoints - 1);
    }

    /**
     * A re-sent POOL row with other content (a retried publish of a recomputed sketch) counts once, and
     * the same one whatever order the copies come in: the first by (step, learning rate, sketch), never
     * the first to arrive, which differs between partitions.
     */
    @Test
    void ofRepeatedPoolRowsTheSameOneCountsWhateverTheirOrder() {
        PlantedSketches.PlantedSet set = planted(4, 64, 15);
        List<dev.cadc.core.format.SketchBatch> withRepeats = new java.util.ArrayList<>(set.batches());
        dev.cadc.core.format.SketchBatch first = set.batches().get(0);
        dev.cadc.core.format.SketchBatch.Builder repeats = dev.cadc.core.format.SketchBatch.builder(first.runId(), first.projection());
        int added = 0;
        for (dev.cadc.core.format.SketchBatch batch : set.batches()) {
            for (int r = 0; r < batch.rowCount() && added < 40; r++) {
                if (batch.role(r) == Role.POOL) {
                    float[] other = batch.sketch(r).clone();
                    other[0] = -other[0] * 3;
                    repeats.add(batch.step(r), batch.checkpoint(r), Role.POOL, batch.sampleId(r), batch.learningRate(r),
                            batch.loss(r), other);
                    added++;
                }
            }
        }
        withRepeats.add(repeats.build());
        List<dev.cadc.core.format.SketchBatch> repeatsFirst = new java.util.ArrayList<>(withRepeats);
        java.util.Collections.reverse(repeatsFirst);

        CurationResult forward = curate(withRepeats, 64, CuratorConfig.defaults(), InfluenceSource.POOL);
        CurationResult backward = curate(repeatsFirst, 64, CuratorConfig.defaults(), InfluenceSource.POOL);
        CurationResult shuffled = curate(shuffledRows(withRepeats, 3, 77), 64, CuratorConfig.defaults(), InfluenceSource.POOL);

        assertThat(backward).isEqualTo(forward);
        assertThat(shuffled).isEqualTo(forward);
        assertThat(forward.poolSize()).isEqualTo(set.pool().size());
    }

    /** Likewise for a re-sent PROBE row: which copy counts does not depend on the order they came in. */
    @Test
    void ofRepeatedProbeRowsTheSameOneCountsWhateverTheirOrder() {
        PlantedSketches.PlantedSet set = planted(4, 64, 16);
        List<dev.cadc.core.format.SketchBatch> withRepeats = new java.util.ArrayList<>(set.batches());
        dev.cadc.core.format.SketchBatch first = set.batches().get(0);
        dev.cadc.core.format.SketchBatch.Builder repeats = dev.cadc.core.format.SketchBatch.builder(first.runId(), first.projection());
        int added = 0;
        for (dev.cadc.core.format.SketchBatch batch : set.batches()) {
            for (int r = 0; r < batch.rowCount() && added < 20; r++) {
                if (batch.role(r) == Role.PROBE) {
                    float[] other = batch.sketch(r).clone();
                    other[1] = -other[1] * 2;
                    repeats.add(batch.step(r), batch.checkpoint(r), Role.PROBE, batch.sampleId(r), batch.learningRate(r),
                            batch.loss(r) + 1, other);
                    added++;
                }
            }
        }
        withRepeats.add(repeats.build());
        List<dev.cadc.core.format.SketchBatch> repeatsFirst = new java.util.ArrayList<>(withRepeats);
        java.util.Collections.reverse(repeatsFirst);

        CurationResult forward = curate(withRepeats, 64, CuratorConfig.defaults(), InfluenceSource.POOL);

        assertThat(curate(repeatsFirst, 64, CuratorConfig.defaults(), InfluenceSource.POOL)).isEqualTo(forward);
        assertThat(curate(shuffledRows(withRepeats, 4, 59), 64, CuratorConfig.defaults(), InfluenceSource.POOL)).isEqualTo(forward);
    }

    @Test
    void budgetIsExactBalancedAndFreeOfHarmfulSamplesAndNearDuplicates() {
        PlantedSketches.PlantedSet set = planted(4, 128, 14);
        CurationResult result = curate(set, CuratorConfig.defaults().withBudget(Budget.parse("0.1")));

        long poolSize = set.pool().size();
        assertThat(result.poolSize()).isEqualTo(poolSize);
        assertThat(result.budget()).isEqualTo(Math.round(0.1 * poolSize));
        assertThat(result.shortfall()).isZero();
        List<CurationResult.SelectedSample> selected = result.selected();
        assertThat(selected).hasSize((int) result.budget());
        assertThat(selected.stream().map(CurationResult.SelectedSample::id).distinct().count()).isEqualTo(selected.size());

        Map<Integer, Long> perCapability = selected.stream()
                .collect(Collectors.groupingBy(CurationResult.SelectedSample::capability, Collectors.counting()));
        assertThat(perCapability.keySet()).hasSize(result.capabilities().size());
        long max = perCapability.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        long min = perCapability.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        assertThat(max - min).as("balance across capabilities").isLessThanOrEqualTo(1);

        Set<Long> scoredHarmful = Arrays.stream(result.harmful()).boxed().collect(Collectors.toSet());
        Set<Long> plantedHarmful = Arrays.stream(set.idsOf(PlantedSketches.Kind.HARMFUL)).boxed().collect(Collectors.toSet());
        assertThat(selected).noneMatch(s -> scoredHarmful.contains(s.id()));
        assertThat(selected).noneMatch(s -> plantedHarmful.contains(s.id()));
        assertThat(scoredHarmful).containsAll(plantedHarmful);

        assertNoNearDuplicates(set, selected, DuplicateGuard.DEFAULT_THRESHOLD);
    }

    @Test
    void withTheHarmRuleOffNoSampleIsHarmfulAndPlantedHarmfulOnesCanBeSelected() {
        PlantedSketches.PlantedSet set = planted(4, 128, 14);
        CuratorConfig off = CuratorConfig.defaults().withBudget(Budget.parse("0.3")).withHarmRule(false);
        CurationResult result = curate(set, off);

        assertThat(result.harmful()).isEmpty();
        assertThat(result.parameters()).containsEntry("harm-rule", "off");
        assertThat(result.selected()).hasSize((int) result.budget());
        CurationResult on = curate(set, off.withHarmRule(true));
        assertThat(on.harmful()).isNotEmpty();
    }

    @Test
    void sizeProportionalSharesFollowTheStagesTrainingSetsAndChangeNothingElse() {
        PlantedSketches.PlantedSet set = planted(4, 128, 14);
        CuratorConfig equal = CuratorConfig.defaults().withBudget(Budget.parse("0.3"))
                .withStages(StagePlan.equalShares(StagePlan.DEFAULT_STAGES));
        CurationResult equalShares = curate(set, equal);
        CurationResult proportional = curate(set, equal.withStages(StagePlan.sizeProportional(StagePlan.DEFAULT_STAGES)));

        assertThat(equalShares.parameters()).containsEntry("stage-shares", "equal");
        assertThat(proportional.parameters()).containsEntry("stage-shares", "proportional");
        assertThat(CuratorConfig.defaults().stages()).isEqualTo(StagePlan.sizeProportional(StagePlan.DEFAULT_STAGES));
        assertThat(proportional.selected()).isEqualTo(equalShares.selected());
        assertThat(proportional.stages()).hasSameSizeAs(equalShares.stages()).hasSizeGreaterThan(1);
        // Cumulative: stage s trains on the samples of stages 1..s; its share is that count over the sum.
        long running = 0;
        long[] trainingSet = new long[proportional.stages().size()];
        for (int s = 0; s < trainingSet.length; s++) {
            running += proportional.stages().get(s).samples().size();
            trainingSet[s] = running;
        }
        double sum = java.util.Arrays.stream(trainingSet).sum();
        for (int s = 0; s < trainingSet.length; s++) {
            assertThat(proportional.stages().get(s).stepShare()).as("stage %d", s + 1)
                    .isCloseTo(trainingSet[s] / sum, org.assertj.core.api.Assertions.within(1e-12));
            assertThat(equalShares.stages().get(s).stepShare()).isCloseTo(1.0 / trainingSet.length,
                    org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    @Test
    void curatingFromAnEarlierAnalysisEqualsCuratingFromScratch() {
        PlantedSketches.PlantedSet set = planted(4, 64, 15);
        CuratorConfig config = CuratorConfig.defaults().withBudget(Budget.parse("0.1"));
        Curator.Analysis analysis = analyse(set, CuratorConfig.defaults(), InfluenceSource.POOL);
        SketchSource source = SketchSource.of(set.batches());

        for (CuratorConfig variant : List.of(config, config.withHarmRule(false), config.withDuplicateThreshold(1))) {
            assertThat(new Curator(variant).curateFrom(source, analysis).result()).isEqualTo(curate(set, variant));
        }
    }

    /**
     * When every trajectory fits in the guard's share of the heap the fold keeps them and selection
     * reads the sketches no more: the same trajectories, bit for bit, as a pass of their own loads
     * (POOL with re-sent rows, and TRAIN steps, shuffled so one read per checkpoint), the same
     * curriculum as the shortlist path, one read fewer.
     */
    @Test
    void trajectoriesKeptFromTheFoldEqualThoseLoadedInAPassOfTheirOwn() {
        PlantedSketches.PlantedSet pool = planted(4, 64, 21);
        List<SketchBatch> poolWithRepeats = new java.util.ArrayList<>(pool.batches());
        SketchBatch first = pool.batches().get(0);
        SketchBatch.Builder repeats = SketchBatch.builder(first.runId(), first.projection());
        for (SketchBatch batch : pool.batches()) {
            for (int r = 0; r < batch.rowCount() && repeats.rowCount() < 40; r++) {
                if (batch.role(r) == Role.POOL && batch.sampleId(r) % 3 == 0) {
                    float[] other = batch.sketch(r).clone();
                    other[1] = -other[1] * 2;
                    repeats.add(batch.step(r), batch.checkpoint(r), Role.POOL, batch.sampleId(r), batch.learningRate(r),
                            batch.loss(r), other);
                }
            }
        }
        poolWithRepeats.add(repeats.build());
        PlantedSketches.PlantedSet train = PlantedSketches.generate(PlantedConfig.of(RUN, 22, 3, 64).withTrainSteps(300));
        record Case(List<SketchBatch> batches, InfluenceSource source) {}
        List<Case> cases = List.of(new Case(poolWithRepeats, InfluenceSource.POOL), new Case(pool.batches(), InfluenceSource.POOL),
                new Case(shuffledRows(train.batches(), 4, 50), InfluenceSource.TRAIN));
        for (Case c : cases) {
            int[] reads = {0};
            SketchSource source = visitor -> {
                reads[0]++;
                c.batches().forEach(visitor);
            };
            Curator keeping = new Curator(CuratorConfig.defaults(), 1.0);
            Curator.Analysis kept = keeping.analyse(source, RUN, 64, c.source());
            Curator.Analysis loaded = new Curator(CuratorConfig.defaults(), 0).analyse(source, RUN, 64, c.source());
            assertThat(kept.keptTrajectories()).isNotNull();
            assertThat(loaded.keptTrajectories()).isNull();
            DuplicateGuard.TrajectoryLookup fromPass = Curator.trajectories(source, loaded);
            for (int i = 0; i < kept.influence().sampleCount(); i++) {
                assertThat(kept.keptTrajectories().trajectory(i)).as("sample %d", i).isEqualTo(fromPass.trajectory(i));
            }

            reads[0] = 0;
            CurationResult keptResult = keeping.curate(source, RUN, 64, c.source());
            int keptReads = reads[0];
            reads[0] = 0;
            CurationResult shortlisted = new Curator(CuratorConfig.defaults(), 0).curate(source, RUN, 64, c.source());
            assertThat(keptResult).isEqualTo(shortlisted);
            assertThat(keptReads).as("reads with trajectories kept").isLessThan(reads[0]);
        }
    }

    @Test
    void theGuardOverAnyRankingTakesTheFirstSamplesThatAreNoNearDuplicates() {
        PlantedSketches.PlantedSet set = planted(3, 64, 19);
        Curator.Analysis analysis = analyse(set, CuratorConfig.defaults(), InfluenceSource.POOL);
        DuplicateGuard.TrajectoryLookup lookup = Curator.trajectories(SketchSource.of(set.batches()), analysis);
        int samples = analysis.influence().sampleCount();
        int[] ranked = java.util.stream.IntStream.range(0, samples).toArray();
        int checkpoints = analysis.influenceCheckpoints().length;

        int[] taken = new DuplicateGuard(lookup, checkpoints, DuplicateGuard.DEFAULT_THRESHOLD).firstAdmitted(ranked, samples / 2);

        assertThat(taken).hasSize(samples / 2).isSorted();
        List<CurationResult.SelectedSample> asSelected = Arrays.stream(taken)
                .mapToObj(i -> new CurationResult.SelectedSample(analysis.influence().sampleId(i), 0, 0))
                .toList();
        assertNoNearDuplicates(set, asSelected, DuplicateGuard.DEFAULT_THRESHOLD);
        int skipped = taken[taken.length - 1] + 1 - taken.length;
        assertThat(skipped).as("planted near-duplicates skipped").isPositive();
        assertThat(new DuplicateGuard(lookup, checkpoints, 1).firstAdmitted(ranked, 5)).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void tooFewCandidatesSelectsThemAllAndReportsTheShortfall() {
        PlantedSketches.PlantedSet set = planted(3, 64, 18);
        CurationResult result = curate(set, CuratorConfig.defaults().withBudget(Budget.parse("0.99")));

        long candidates = result.capabilities().stream().mapToLong(CurationResult.CapabilityOutcome::attributed).sum();
        assertThat(result.selected()).hasSize((int) (candidates - result.duplicatesSkipped()));
        assertThat(result.shortfall()).isEqualTo(result.budget() - result.selected().size()).isPositive();
    }

    @Test
    void meanRuleAndTopInfluenceModeAlsoHonourTheBudget() {
        PlantedSketches.PlantedSet set = planted(4, 64, 16);
        CuratorConfig config = CuratorConfig.defaults().withAggregation(AggregationRule.MEAN, 10)
                .withWithinCapability(WithinCapability.TOP_INFLUENCE);
        CurationResult result = curate(set, config);
        assertThat(result.selected()).hasSize((int) result.budget());
        assertNoNearDuplicates(set, result.selected(), DuplicateGuard.DEFAULT_THRESHOLD);
    }

    @Test
    void stagesAreCumulativeEasiestFirstAndEverySampleAppearsOnce() {
        PlantedSketches.PlantedSet set = planted(6, 64, 17);
        CurationResult result = curate(set, CuratorConfig.defaults());

        assertThat(result.stages()).extracting(CurationResult.StageOutcome::stage).containsExactly(1, 2, 3);
        Map<Integer, CurationResult.CapabilityOutcome> byId = result.capabilities().stream()
                .collect(Collectors.toMap(CurationResult.CapabilityOutcome::id, c -> c));
        double previousMax = Double.NEGATIVE_INFINITY;
        for (CurationResult.StageOutcome stage : result.stages()) {
            Set<Integer> capabilities = new HashSet<>();
            stage.samples().forEach(s -> capabilities.add(s.capability()));
            double min = capabilities.stream().mapToDouble(c -> byId.get(c).difficulty()).min().orElseThrow();
            assertThat(min).as("stage " + stage.stage() + " is not easier than the one before").isGreaterThanOrEqualTo(previousMax);
            previousMax = capabilities.stream().mapToDouble(c -> byId.get(c).difficulty()).max().orElseThrow();
            stage.samples().forEach(s -> assertThat(byId.get(s.capability()).stage()).isEqualTo(stage.stage()));
        }
    }

    static void assertNoNearDuplicates(PlantedSketches.PlantedSet set, List<CurationResult.SelectedSample> selected, double threshold) {
        Set<Long> ids = selected.stream().map(CurationResult.SelectedSample::id).collect(Collectors.toSet());
        Map<Long, Map<Integer, float[]>> sketches = new HashMap<>();
        int checkpoints = 0;
        for (Row row : rows(set.batches(), Role.POOL)) {
            checkpoints = Math.max(checkpoints, row.checkpoint() + 1);
            if (ids.contains(row.sampleId())) {
                sketches.computeIfAbsent(row.sampleId(), id -> new HashMap<>()).put(row.checkpoint(), row.sketch());
            }
        }
        Long[] chosen = ids.toArray(Long[]::new);
        for (int a = 0; a < chosen.length; a++) {
            for (int b = a + 1; b < chosen.length; b++) {
                double sum = 0;
                for (int j = 0; j < checkpoints; j++) {
                    float[] x = sketches.get(chosen[a]).get(j);
                    float[] y = sketches.get(chosen[b]).get(j);
                    sum += x == null || y == null ? 0 : cosine(x, y);
                }
                assertThat(sum / checkpoints).as("mean cosine of %d and %d", chosen[a], chosen[b]).isLessThanOrEqualTo(threshold);
            }
        }
    }
}
