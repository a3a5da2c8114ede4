package dev.cadc.core.curriculum;

import dev.cadc.core.capability.CapabilityClusterer;
import dev.cadc.core.capability.Clustering;
import dev.cadc.core.capability.ProbeTrajectories;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.influence.CapabilityScorer;
import dev.cadc.core.influence.CheckpointFold;
import dev.cadc.core.influence.ProbeCheckpoint;
import dev.cadc.core.influence.SampleCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole curation of one run: the batch reference. It drives the same pieces the Flink job calls
 * one operator at a time ({@link CapabilityClusterer} checkpoint by checkpoint, {@link ProbeCheckpoint}
 * and {@link SampleCheckpoint} for the fold, {@link CurriculumVersion} for score, budget, duplicate
 * guard, selection and stages), so the rules exist once.
 *
 * <ol>
 *   <li>Survey pass: probe trajectories, the pool (distinct sample ids of the influence source) and
 *       the checkpoints.
 *   <li>Capabilities: the online clusterer is updated at every probe checkpoint in order, exactly as
 *       the streaming job does, so ids and warm starts follow the same history.
 *   <li>Influence: one pass per checkpoint, in checkpoint order, adds each sample's term
 *       {@code eta_j <u_j(x_i), u_j(v_p)>} to {@code A(i, p)} (double; one term per sample and
 *       checkpoint, so the sums do not depend on row order or thread count).
 *   <li>Scores, balanced selection with duplicate skipping, stages. The guard's trajectories are kept
 *       by the influence pass when all of them fit in a quarter of the heap ({@link SampleTrajectories});
 *       otherwise a shortlist of candidates' is loaded in a further pass, widened and redone if the
 *       selection reaches past it.
 * </ol>
 */
public final class Curator {

    private static final Logger LOG = LoggerFactory.getLogger(Curator.class);

    /** Trajectory bytes the duplicate guard may load before it works from a shortlist. */
    private static final double SHORTLIST_HEAP_FRACTION = 0.25;

    private final CuratorConfig config;
    private final double trajectoryHeapFraction;

    public Curator(CuratorConfig config) {
        this(config, SHORTLIST_HEAP_FRACTION);
    }

    /** A curator whose duplicate guard may hold trajectories up to {@code trajectoryHeapFraction} of the heap (tests). */
    Curator(CuratorConfig config, double trajectoryHeapFraction) {
        this.config = config;
        this.trajectoryHeapFraction = trajectoryHeapFraction;
    }

    /**
     * The analysis behind a curation, before selection: probe trajectories, the clustering after the
     * newest checkpoint, {@code A(i, p)} for every pool sample and probe, and each sample's score.
     */
    public record Analysis(
            String runId,
            int sketchDim,
            Role sourceRole,
            ProbeTrajectories trajectories,
            Clustering clustering,
            InfluenceTable influence,
            CapabilityScorer.Score[] scores,
            int[] influenceCheckpoints,
            int newestCheckpoint,
            DuplicateGuard.TrajectoryLookup keptTrajectories,
            StageTimes times) {}

    /**
     * Where an analysis's time went, in nanoseconds: the influence stage (both reads of the sketches
     * and the fold: what computes {@code A}, as NumPy's script does in {@code bench pipeline}), the
     * clustering, and the scoring; for benchmarks and logs.
     */
    public record StageTimes(long influenceNanos, long clusteringNanos, long scoringNanos) {}

    /** A curation with what led to it: the analysis and the selection (for explanations); {@code selectNanos}: selection and staging. */
    public record Detailed(Analysis analysis, Selection selection, CurationResult result, long selectNanos) {}

    /** Curates run {@code runId} of {@code source}, using {@code influenceSource} rows for influence. */
    public CurationResult curate(SketchSource source, String runId, int sketchDim, InfluenceSource influenceSource) {
        return curateInDetail(source, runId, sketchDim, influenceSource).result();
    }

    /** {@link #curate}, keeping the analysis and the selection. */
    public Detailed curateInDetail(SketchSource source, String runId, int sketchDim, InfluenceSource influenceSource) {
        return selectAndAssemble(source, analyse(source, runId, sketchDim, influenceSource));
    }

    /** The selection within the budget and the staged curriculum of {@code analysis}, timed. */
    private Detailed selectAndAssemble(SketchSource source, Analysis analysis) {
        long start = System.nanoTime();
        Selection selection = select(source, analysis, config.budget().resolve(analysis.influence().sampleCount()));
        CurationResult result = assemble(analysis, selection);
        return new Detailed(analysis, selection, result, System.nanoTime() - start);
    }

    /**
     * A curation from an analysis made earlier by a curator with the same clustering settings: its
     * capabilities and per-probe influence are reused, every sample is scored again under this
     * curator's aggregation, m and harm rule, then selected (this budget and duplicate threshold) and
     * staged as {@link #curateInDetail} does. Equal to {@code curateInDetail} on the same sketches.
     */
    public Detailed curateFrom(SketchSource source, Analysis analysis) {
        CapabilityScorer.Score[] scores = CurriculumVersion.score(analysis.clustering(), analysis.influence()::row,
                analysis.influence().sampleCount(), config);
        Analysis rescored = new Analysis(analysis.runId(), analysis.sketchDim(), analysis.sourceRole(), analysis.trajectories(),
                analysis.clustering(), analysis.influence(), scores, analysis.influenceCheckpoints(), analysis.newestCheckpoint(),
                analysis.keptTrajectories(), analysis.times());
        return selectAndAssemble(source, rescored);
    }

    /**
     * Every sample's trajectory (its unit sketches over the analysis's influence checkpoints,
     * concatenated: what the duplicate guard compares), by sample index of the analysis, loaded in
     * one pass. For applying the guard to selections made by other rankings.
     */
    public static DuplicateGuard.TrajectoryLookup trajectories(SketchSource source, Analysis analysis) {
        if (analysis.keptTrajectories() != null) {
            return analysis.keptTrajectories();
        }
        BitSet all = new BitSet(analysis.influence().sampleCount());
        all.set(0, analysis.influence().sampleCount());
        Map<Integer, float[]> loaded = loadTrajectories(source, analysis, all);
        return sample -> {
            float[] trajectory = loaded.get(sample);
            if (trajectory == null) {
                throw new DuplicateGuard.MissingTrajectoryException(sample);
            }
            return trajectory;
        };
    }

    /** Everything up to selection: capabilities, per-probe influence, scores. */
    public Analysis analyse(SketchSource source, String runId, int sketchDim, InfluenceSource influenceSource) {
        Role sourceRole = influenceSource == InfluenceSource.TRAIN ? Role.TRAIN : Role.POOL;
        long start = System.nanoTime();
        Survey survey = survey(source, runId, sketchDim, sourceRole);
        long surveyed = System.nanoTime();
        if (survey.sampleIds.length == 0) {
            throw new IllegalArgumentException("run " + runId + " has no " + sourceRole + " sketches (its influence source is "
                    + influenceSource + "): nothing to curate");
        }
        if (survey.probesByCheckpoint.isEmpty()) {
            throw new IllegalArgumentException("run " + runId + " has no PROBE sketches: capabilities cannot be discovered");
        }

        ProbeTrajectories trajectories = new ProbeTrajectories(sketchDim);
        CapabilityClusterer clusterer = new CapabilityClusterer(config.clustering());
        for (Map.Entry<Integer, List<ProbeTrajectories.Row>> checkpoint : survey.probesByCheckpoint.entrySet()) {
            trajectories.addAll(checkpoint.getValue());
            Clustering clustering = clusterer.update(trajectories);
            LOG.info("run {}: checkpoint {}: {} capabilities over {} probes", runId, checkpoint.getKey(),
                    clustering.capabilityCount(), clustering.probeCount());
        }
        Clustering clustering = clusterer.current();
        long clustered = System.nanoTime();

        int[] influenceCheckpoints = survey.influenceCheckpoints.stream().mapToInt(Integer::intValue).toArray();
        SampleTrajectories kept = keepsTrajectories(survey.sampleIds.length, influenceCheckpoints.length, sketchDim)
                ? new SampleTrajectories(survey.sampleIds.length, influenceCheckpoints, sketchDim)
                : null;
        InfluenceTable influence = accumulateInfluence(source, runId, sketchDim, sourceRole, survey, trajectories, kept);
        long folded = System.nanoTime();
        CapabilityScorer.Score[] scores = CurriculumVersion.score(clustering, influence::row, influence.sampleCount(), config);
        StageTimes times = new StageTimes((surveyed - start) + (folded - clustered), clustered - surveyed, System.nanoTime() - folded);
        int newestCheckpoint = Math.max(survey.probesByCheckpoint.lastKey(),
                survey.influenceCheckpoints.isEmpty() ? -1 : survey.influenceCheckpoints.last());
        return new Analysis(runId, sketchDim, sourceRole, trajectories, clustering, influence, scores,
                influenceCheckpoints, newestCheckpoint, kept == null ? null : kept.lookup(), times);
    }

    /**
     * Whether every sample's trajectory fits in the share of the heap the duplicate guard may use
     * ({@link #trajectoryHeapFraction}): then the fold keeps them as it goes and selection reads the
     * sketches no more; otherwise selection loads a shortlist's in a pass of their own.
     */
    private boolean keepsTrajectories(int sampleCount, int checkpointCount, int sketchDim) {
        return config.duplicateThreshold() < 1
                && SampleTrajectories.bytes(sampleCount, checkpointCount, sketchDim) <= trajectoryBytesAllowed();
    }

    private long trajectoryBytesAllowed() {
        return (long) (Runtime.getRuntime().maxMemory() * trajectoryHeapFraction);
    }

    private Survey survey(SketchSource source, String runId, int sketchDim, Role sourceRole) {
        Survey survey = new Survey();
        TreeSet<Long> sampleIds = new TreeSet<>();
        Map<Integer, java.util.Set<Long>> seenAt = new HashMap<>();
        scan(source, batch -> {
            if (!batch.runId().equals(runId)) {
                return;
            }
            requireDimension(batch, sketchDim);
            for (int row = 0; row < batch.rowCount(); row++) {
                Role role = batch.role(row);
                int checkpoint = batch.checkpoint(row);
                if (role == Role.PROBE) {
                    survey.probesByCheckpoint.computeIfAbsent(checkpoint, c -> new ArrayList<>())
                            .add(new ProbeTrajectories.Row(checkpoint, batch.sampleId(row), batch.sketch(row), batch.loss(row)));
                } else if (role == sourceRole && checkpoint >= 0) {
                    survey.influenceOrder.see(checkpoint);
                    sampleIds.add(batch.sampleId(row));
                    survey.influenceCheckpoints.add(checkpoint);
                    if (role == Role.POOL && !seenAt.computeIfAbsent(checkpoint, c -> new java.util.HashSet<>()).add(batch.sampleId(row))) {
                        survey.repeatedPoolRows.computeIfAbsent(checkpoint, c -> new java.util.HashSet<>()).add(batch.sampleId(row));
                    }
                }
            }
        });
        survey.sampleIds = sampleIds.stream().mapToLong(Long::longValue).toArray();
        return survey;
    }

    /**
     * {@code A(i, p) = sum_j eta_j <u_j(x_i), u_j(v_p)>}, checkpoint by checkpoint in ascending order.
     * POOL: one row per (sample, checkpoint); a repeated row is ignored. TRAIN: every step of the
     * checkpoint's window counts, summed in step order into the checkpoint's term. When the file holds
     * its influence rows in checkpoint order (as every publisher writes them), one read folds them all:
     * each sample still gets its terms in ascending checkpoint order. Otherwise one read per checkpoint.
     */
    private InfluenceTable accumulateInfluence(SketchSource source, String runId, int sketchDim, Role sourceRole,
            Survey survey, ProbeTrajectories trajectories, SampleTrajectories kept) {
        InfluenceTable table = new InfluenceTable(survey.sampleIds, trajectories.probeCount());
        if (survey.influenceOrder.holds()) {
            CheckpointPass[] current = {null};
            scan(source, batch -> {
                if (!batch.runId().equals(runId)) {
                    return;
                }
                // Rows are in checkpoint order: a batch's checkpoints come after the previous batch's.
                rowsByCheckpoint(batch, sourceRole).forEach((checkpoint, rows) -> {
                    if (current[0] == null || current[0].checkpoint != checkpoint) {
                        if (current[0] != null) {
                            current[0].finish();
                        }
                        current[0] = new CheckpointPass(runId, checkpoint, sketchDim, sourceRole, survey, trajectories, table, kept);
                    }
                    current[0].add(batch, rows);
                });
            });
            if (current[0] != null) {
                current[0].finish();
            }
            return table;
        }
        for (int checkpoint : survey.influenceCheckpoints) {
            CheckpointPass pass = new CheckpointPass(runId, checkpoint, sketchDim, sourceRole, survey, trajectories, table, kept);
            scan(source, batch -> {
                if (batch.runId().equals(runId)) {
                    int[] rows = rowsByCheckpoint(batch, sourceRole).get(checkpoint);
                    if (rows != null) {
                        pass.add(batch, rows);
                    }
                }
            });
            pass.finish();
        }
        return table;
    }

    /** The rows of {@code role} with a checkpoint, by checkpoint (ascending), each in row order. */
    private static TreeMap<Integer, int[]> rowsByCheckpoint(SketchBatch batch, Role role) {
        TreeMap<Integer, IntStream.Builder> rows = new TreeMap<>();
        for (int row = 0; row < batch.rowCount(); row++) {
            if (batch.role(row) == role && batch.checkpoint(row) >= 0) {
                rows.computeIfAbsent(batch.checkpoint(row), c -> IntStream.builder()).add(row);
            }
        }
        TreeMap<Integer, int[]> built = new TreeMap<>();
        rows.forEach((checkpoint, builder) -> built.put(checkpoint, builder.build().toArray()));
        return built;
    }

    /** The fold of one checkpoint's rows into the table, batch by batch, then the samples with several rows. */
    private static final class CheckpointPass {
        final int checkpoint;
        private final String runId;
        private final Role sourceRole;
        private final InfluenceTable table;
        private final ProbeCheckpoint probes;
        private final BitSet seen;
        private final java.util.Set<Long> repeated;
        private final Map<Integer, List<SampleCheckpoint.RowContribution>> steps = new HashMap<>();
        /** Where the samples' trajectory parts go as they are folded, or {@code null}. */
        private final SampleTrajectories kept;
        private final int sketchDim;

        CheckpointPass(String runId, int checkpoint, int sketchDim, Role sourceRole, Survey survey,
                ProbeTrajectories trajectories, InfluenceTable table, SampleTrajectories kept) {
            this.checkpoint = checkpoint;
            this.kept = kept;
            this.sketchDim = sketchDim;
            this.runId = runId;
            this.sourceRole = sourceRole;
            this.table = table;
            if (trajectories.hasCheckpoint(checkpoint)) {
                this.probes = new ProbeCheckpoint(checkpoint, sketchDim, trajectories.unitSketchMatrix(checkpoint));
            } else {
                this.probes = null;
                LOG.warn("run {}: checkpoint {} has {} sketches but no probe sketches; its terms are zero",
                        runId, checkpoint, sourceRole);
            }
            this.seen = new BitSet(table.sampleCount());
            this.repeated = survey.repeatedPoolRows.getOrDefault(checkpoint, java.util.Set.of());
        }

        /** Folds {@code rows} (this checkpoint's influence rows of {@code batch}, ascending). */
        void add(SketchBatch batch, int[] rows) {
            if (probes == null && kept == null) {
                return;
            }
            List<CheckpointFold.SampleRows> singles = new ArrayList<>(rows.length);
            IntStream.Builder singleSamples = IntStream.builder();
            for (int row : rows) {
                int sample = table.indexOf(batch.sampleId(row));
                if (sourceRole == Role.TRAIN || repeated.contains(batch.sampleId(row))) {
                    steps.computeIfAbsent(sample, s -> new ArrayList<>()).add(new SampleCheckpoint.RowContribution(
                            batch.step(row), batch.learningRate(row), batch.sketch(row), null));
                } else if (!seen.get(sample)) {
                    seen.set(sample);
                    singleSamples.add(sample);
                    singles.add(new CheckpointFold.SampleRows(table.row(sample), List.of(new SampleCheckpoint.RowContribution(
                            batch.step(row), batch.learningRate(row), batch.sketch(row), null)), part()));
                }
            }
            // Each sample gets exactly one term per checkpoint, so rows may be added in parallel.
            foldAndKeep(singleSamples.build().toArray(), singles, false);
        }

        void finish() {
            int[] samples = steps.keySet().stream().mapToInt(Integer::intValue).toArray();
            List<CheckpointFold.SampleRows> several = new ArrayList<>();
            for (int sample : samples) {
                several.add(new CheckpointFold.SampleRows(table.row(sample), steps.get(sample), part()));
            }
            foldAndKeep(samples, several, sourceRole == Role.TRAIN);
            if (probes == null) {
                return;
            }
            LOG.info("run {}: influence of checkpoint {} folded in ({} samples)", runId, checkpoint,
                    sourceRole == Role.POOL ? seen.cardinality() + steps.size() : steps.size());
        }

        /** A trajectory part for the fold to fill when trajectories are kept, else none. */
        private float[] part() {
            return kept == null ? null : new float[sketchDim];
        }

        /**
         * Folds {@code rows} (of samples {@code samples}, in the same order) and keeps their trajectory
         * parts: the fold's (the core rule, from the unit sketches it computes for the dots), or the same
         * rule alone when the checkpoint has no probe sketches and so no terms.
         */
        private void foldAndKeep(int[] samples, List<CheckpointFold.SampleRows> rows, boolean trainSource) {
            if (probes != null) {
                CheckpointFold.fold(probes, trainSource, rows, true);
            } else if (kept != null) {
                rows.forEach(sample -> System.arraycopy(SampleCheckpoint.trajectoryPart(
                        SampleCheckpoint.counted(sample.rows(), trainSource), sketchDim), 0, sample.part(), 0, sketchDim));
            }
            if (kept != null) {
                for (int s = 0; s < samples.length; s++) {
                    kept.put(samples[s], checkpoint, rows.get(s).part());
                }
            }
        }
    }

    private Selection select(SketchSource source, Analysis analysis, long budget) {
        Clustering clustering = analysis.clustering();
        InfluenceTable influence = analysis.influence();
        CapabilityScorer.Score[] scores = analysis.scores();
        int sketchDim = analysis.sketchDim();
        if (config.duplicateThreshold() >= 1) {
            return CurriculumVersion.select(clustering, influence, scores, config, null, 0);
        }
        int[] checkpoints = analysis.influenceCheckpoints();
        if (analysis.keptTrajectories() != null) {
            LOG.info("run {}: selecting {} of {} samples (every trajectory kept from the fold for duplicate checks)",
                    analysis.runId(), budget, scores.length);
            return CurriculumVersion.select(clustering, influence, scores, config, analysis.keptTrajectories(), checkpoints.length);
        }
        int[] candidates = IntStream.range(0, scores.length).filter(i -> scores[i].isCandidate()).toArray();
        long allBytes = SampleTrajectories.bytes(candidates.length, checkpoints.length, sketchDim);
        long allowedBytes = trajectoryBytesAllowed();
        int depth = allBytes <= allowedBytes ? Integer.MAX_VALUE : initialDepth(clustering, budget);
        while (true) {
            BitSet shortlist = depth == Integer.MAX_VALUE ? bits(candidates) : shortlist(clustering, influence, scores, depth);
            Map<Integer, float[]> loaded = loadTrajectories(source, analysis, shortlist);
            DuplicateGuard.TrajectoryLookup lookup = sample -> {
                float[] trajectory = loaded.get(sample);
                if (trajectory == null) {
                    throw new DuplicateGuard.MissingTrajectoryException(sample);
                }
                return trajectory;
            };
            LOG.info("run {}: selecting {} of {} candidates ({} trajectories loaded for duplicate checks)",
                    analysis.runId(), budget, candidates.length, loaded.size());
            try {
                return CurriculumVersion.select(clustering, influence, scores, config, lookup, checkpoints.length);
            } catch (DuplicateGuard.MissingTrajectoryException e) {
                LOG.info("run {}: selection reached past a shortlist of {} candidates; widening it",
                        analysis.runId(), shortlist.cardinality());
                depth = depth >= Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE : depth * 2;
            }
        }
    }

    private static int initialDepth(Clustering clustering, long budget) {
        int capabilities = Math.max(1, clustering.capabilityCount());
        long perCapability = (budget + capabilities - 1) / capabilities;
        long perProbe = (perCapability * capabilities + clustering.probeCount() - 1) / Math.max(1, clustering.probeCount());
        return (int) Math.min(Integer.MAX_VALUE / 4, 2 * perProbe + 16);
    }

    /** The {@code depth} best candidates of every probe (by A) and of every capability (by I), as a set. */
    private static BitSet shortlist(Clustering clustering, InfluenceView influence, CapabilityScorer.Score[] scores, int depth) {
        BitSet shortlist = new BitSet(scores.length);
        int[] capabilityIds = clustering.capabilityIds();
        for (int c = 0; c < capabilityIds.length; c++) {
            int capability = c;
            int[] candidates = IntStream.range(0, scores.length)
                    .filter(i -> scores[i].isCandidate() && scores[i].attributedIndex() == capability)
                    .toArray();
            int[] probes = clustering.probeIndicesOf(capabilityIds[c]);
            for (int probe : probes) {
                top(candidates, depth, i -> influence.influence(i, probe), influence).forEach(shortlist::set);
            }
            top(candidates, (int) Math.min(Integer.MAX_VALUE, (long) depth * Math.max(1, probes.length)),
                    i -> scores[i].attributedInfluence(), influence).forEach(shortlist::set);
        }
        return shortlist;
    }

    private static List<Integer> top(int[] candidates, int count, java.util.function.IntToDoubleFunction key, InfluenceView influence) {
        Comparator<Integer> worstFirst = Comparator.<Integer>comparingDouble(key::applyAsDouble)
                .thenComparing(Comparator.<Integer>comparingLong(influence::sampleId).reversed());
        PriorityQueue<Integer> heap = new PriorityQueue<>(worstFirst);
        for (int candidate : candidates) {
            heap.add(candidate);
            if (heap.size() > count) {
                heap.poll();
            }
        }
        return new ArrayList<>(heap);
    }

    private static BitSet bits(int[] indices) {
        BitSet bits = new BitSet();
        for (int index : indices) {
            bits.set(index);
        }
        return bits;
    }

    /**
     * The concatenated unit sketches (over {@code checkpoints}) of the shortlisted samples. For the
     * TRAIN source a checkpoint's part is the normalised sum of the sample's unit step sketches there.
     */
    private static Map<Integer, float[]> loadTrajectories(SketchSource source, Analysis analysis, BitSet shortlist) {
        String runId = analysis.runId();
        int sketchDim = analysis.sketchDim();
        Role sourceRole = analysis.sourceRole();
        InfluenceTable influence = analysis.influence();
        int[] checkpoints = analysis.influenceCheckpoints();
        Map<Integer, float[]> trajectories = new HashMap<>();
        Map<Integer, Integer> checkpointSlot = new HashMap<>();
        for (int slot = 0; slot < checkpoints.length; slot++) {
            checkpointSlot.put(checkpoints[slot], slot);
        }
        Map<Integer, List<List<SampleCheckpoint.RowContribution>>> rowsBySample = new HashMap<>();
        scan(source, batch -> {
            if (!batch.runId().equals(runId)) {
                return;
            }
            for (int row = 0; row < batch.rowCount(); row++) {
                Integer slot = checkpointSlot.get(batch.checkpoint(row));
                if (batch.role(row) != sourceRole || slot == null) {
                    continue;
                }
                int sample = influence.indexOf(batch.sampleId(row));
                if (sample < 0 || !shortlist.get(sample)) {
                    continue;
                }
                List<List<SampleCheckpoint.RowContribution>> slots = rowsBySample.computeIfAbsent(sample, s -> {
                    List<List<SampleCheckpoint.RowContribution>> empty = new ArrayList<>();
                    for (int i = 0; i < checkpoints.length; i++) {
                        empty.add(new ArrayList<>());
                    }
                    return empty;
                });
                slots.get(slot).add(new SampleCheckpoint.RowContribution(batch.step(row), batch.learningRate(row), batch.sketch(row), null));
            }
        });
        boolean trainSource = sourceRole == Role.TRAIN;
        rowsBySample.forEach((sample, slots) -> {
            float[] trajectory = new float[checkpoints.length * sketchDim];
            for (int slot = 0; slot < checkpoints.length; slot++) {
                if (!slots.get(slot).isEmpty()) {
                    float[] part = SampleCheckpoint.trajectoryPart(SampleCheckpoint.counted(slots.get(slot), trainSource), sketchDim);
                    System.arraycopy(part, 0, trajectory, slot * sketchDim, sketchDim);
                }
            }
            trajectories.put(sample, trajectory);
        });
        return trajectories;
    }

    private CurationResult assemble(Analysis analysis, Selection selection) {
        double[] difficulty = StageSequencer.difficulty(analysis.clustering(), analysis.trajectories());
        return CurriculumVersion.assemble(analysis.runId(), analysis.newestCheckpoint(), analysis.clustering(), difficulty,
                analysis.influence(), analysis.scores(), selection, config);
    }

    private static void requireDimension(SketchBatch batch, int sketchDim) {
        if (batch.projection().sketchDim() != sketchDim) {
            throw new IllegalArgumentException("run " + batch.runId() + " has sketches of dimension "
                    + batch.projection().sketchDim() + " where " + sketchDim + " was expected");
        }
    }

    private static void scan(SketchSource source, java.util.function.Consumer<SketchBatch> visitor) {
        try {
            source.scan(visitor);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sketches: " + e.getMessage(), e);
        }
    }


    private static final class Survey {
        final TreeMap<Integer, List<ProbeTrajectories.Row>> probesByCheckpoint = new TreeMap<>();
        final TreeSet<Integer> influenceCheckpoints = new TreeSet<>();
        /** Per checkpoint, the POOL samples with more than one row there (rare: re-sent rows). */
        final Map<Integer, java.util.Set<Long>> repeatedPoolRows = new HashMap<>();
        long[] sampleIds;
        /** Whether the influence rows come in checkpoint order, so one read can fold them. */
        final CheckpointOrder influenceOrder = new CheckpointOrder();
    }
}
