package dev.cadc.trainer.experiment;

import dev.cadc.core.curriculum.Budget;
import dev.cadc.core.capability.ClusterAgreement;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.DuplicateGuard;
import dev.cadc.core.curriculum.SketchSource;
import dev.cadc.core.curriculum.StageSchedule;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.KroneckerProjector;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.trainer.model.ImageEncoder;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.train.Encoded;
import dev.cadc.trainer.train.Evaluation;
import dev.cadc.trainer.train.Sketcher;
import dev.cadc.trainer.train.TrainingLoop;
import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import dev.cadc.trainer.vqa.QuestionFamily;
import dev.cadc.trainer.vqa.VqaBenchmark;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline experiment: for each seed, the benchmark, the frozen tower, a warm-up model on a random
 * 5% with sketches at its checkpoints, then for each budget every method's subset trained from the
 * seed's one initial model under both protocols and evaluated on the clean test set.
 *
 * <p>What each method sees: {@code random} nothing but the pool's ids; {@code stratified} the question
 * template of each item (which fixes its family, a design constant of the benchmark); {@code high-loss}
 * and {@code low-loss} the warm-up model's loss; {@code less} and {@code less-mean} the warm-up model's
 * gradients and Adam moments ({@link LessScores}) and the probes; every {@code cadc*} method the sketches
 * of the pool and the probes; {@code oracle} the hidden truth (family, mislabelling, duplication). Every
 * subset method but the oracle skips near-duplicates with CADC's guard (core {@link DuplicateGuard}, on
 * the same sketches: for that check it sees them too); its {@code -no-dedup} twin does not.
 */
public final class Experiment {

    private static final Logger LOG = LoggerFactory.getLogger(Experiment.class);

    /** The methods in table order, as one constant so that help texts can name them. */
    public static final String METHOD_NAMES = "full,random,random-no-dedup,stratified,stratified-no-dedup,high-loss,"
            + "high-loss-no-dedup,low-loss,low-loss-no-dedup,less,less-no-dedup,less-mean,less-mean-no-dedup,cadc,cadc-no-dedup,"
            + "cadc-no-harm,cadc-no-stages,cadc-no-balance,cadc-no-balance-no-dedup,cadc-equal-exposure,oracle";

    /** The suffix of a method's twin without the duplicate guard. */
    public static final String NO_DEDUP = "-no-dedup";

    public static final List<String> METHODS = List.of(METHOD_NAMES.split(","));

    /** Everything the experiment varies or fixes; the defaults are the issue's. */
    public record Settings(DatasetDescriptor dataset, LabelledImages trainImages, LabelledImages testImages,
            VqaBenchmark.Config benchmark, List<Long> seeds, List<String> budgets, List<String> methods,
            int sketchDim, int fullEpochs, int warmupSteps, int checkpoints, float learningRate, int encoderEpochs,
            CuratorConfig curation) {

        /** With CADC's default curation parameters. */
        public Settings(DatasetDescriptor dataset, LabelledImages trainImages, LabelledImages testImages,
                VqaBenchmark.Config benchmark, List<Long> seeds, List<String> budgets, List<String> methods,
                int sketchDim, int fullEpochs, int warmupSteps, int checkpoints, float learningRate, int encoderEpochs) {
            this(dataset, trainImages, testImages, benchmark, seeds, budgets, methods, sketchDim, fullEpochs, warmupSteps,
                    checkpoints, learningRate, encoderEpochs, CuratorConfig.defaults());
        }
    }

    /** One result row of results.csv. */
    public record Row(String method, double budget, long seed, String protocol, Evaluation evaluation, int steps, int selected,
            double mislabelledShare) {}

    /**
     * One capability CADC discovered for a seed, and what it selected at a budget (a row of
     * capabilities.csv). The per-family counts read the hidden truth: they show whether capabilities
     * found from gradients match the question families; the curator never sees them.
     */
    public record CapabilityRow(long seed, double budget, int capability, int stage, double difficulty, int[] probesByFamily,
            int[] selectedByFamily, int selectedMislabelled, double familyAri) {

        public int probes() {
            return Arrays.stream(probesByFamily).sum();
        }

        public int selected() {
            return Arrays.stream(selectedByFamily).sum();
        }
    }

    /**
     * How one training run started and how long it trained: a fingerprint of the initial model
     * (parameters and optimiser state) and the optimiser steps it took. Kept in memory only.
     */
    public record RunTrace(String method, double budget, long seed, String protocol, long initialModel, int optimizerSteps) {}

    /**
     * Everything a run measured: the accuracy rows, the capabilities behind CADC's selections and
     * the training runs' traces (empty for results read back from disk).
     */
    public record Results(List<Row> rows, List<CapabilityRow> capabilities, List<RunTrace> runs) {
        public Results(List<Row> rows, List<CapabilityRow> capabilities) {
            this(rows, capabilities, List.of());
        }
    }

    private final Settings settings;

    public Experiment(Settings settings) {
        this.settings = settings;
    }

    /** Runs every seed, budget, method and protocol; {@code onRow} hears of each row as it is measured. */
    public Results run(Consumer<Row> onRow) {
        List<Row> rows = new ArrayList<>();
        List<CapabilityRow> capabilities = new ArrayList<>();
        List<RunTrace> runs = new ArrayList<>();
        for (long seed : settings.seeds()) {
            runSeed(seed, onRow, rows, capabilities, runs);
        }
        return new Results(List.copyOf(rows), List.copyOf(capabilities), List.copyOf(runs));
    }

    private void runSeed(long seed, Consumer<Row> onRow, List<Row> rows, List<CapabilityRow> capabilities, List<RunTrace> runs) {
        VqaBenchmark benchmark = VqaBenchmark.build(settings.dataset(), settings.trainImages(), settings.testImages(),
                settings.benchmark().withSeed(seed));
        benchmark.requireDisjointImages();
        ImageEncoder encoder = ImageEncoder.pretrain(benchmark.encoderImages(), settings.encoderEpochs(), seed);
        Encoded pool = new Encoded(benchmark.pool().items(), encoder.encode(benchmark.pool().images()));
        Encoded probes = new Encoded(benchmark.probes().items(), encoder.encode(benchmark.probes().images()));
        Encoded test = new Encoded(benchmark.test().items(), encoder.encode(benchmark.test().images()));
        int answers = benchmark.questions().answerCount();
        int fullSteps = settings.fullEpochs() * pool.items().size() / TrainingLoop.BATCH_SIZE;

        Warmup warmup = warmup(benchmark, pool, probes, seed);
        // One initial model per seed: every method's every run starts from a copy of it.
        VqaModel.State initial;
        try (VqaModel model = new VqaModel(ImageEncoder.FEATURE_DIM, dev.cadc.trainer.vqa.Questions.COUNT, answers,
                settings.learningRate(), seed * 7919 + 1)) {
            initial = model.state();
        }
        long initialFingerprint = fingerprint(initial);
        SketchSource source = SketchSource.of(warmup.batches());
        Curator.Analysis analysis = new Curator(settings.curation()).analyse(source, "experiment", settings.sketchDim(),
                InfluenceSource.POOL);
        DuplicateGuard.TrajectoryLookup trajectories = needsGuard() ? Curator.trajectories(source, analysis) : null;
        Guards guards = new Guards(trajectories, analysis, settings.curation().duplicateThreshold());
        for (String budgetText : settings.budgets()) {
            Budget budget = Budget.parse(budgetText);
            long count = budget.resolve(pool.items().size());
            Curated curated = subsets(pool, warmup, source, analysis, guards, budget, count, seed);
            Map<String, Subset> subsets = curated.subsets();
            capabilities.addAll(capabilityRows(curated.curation(), pool, probes, seed, budget.value().doubleValue()));
            for (String method : settings.methods()) {
                if (method.equals("full") && !budgetText.equals(settings.budgets().get(0))) {
                    continue;
                }
                Subset subset = subsets.get(method);
                for (String protocol : List.of("equal-steps", "equal-epochs")) {
                    if (method.equals("full") && protocol.equals("equal-epochs")) {
                        continue;
                    }
                    int selected = subset.stages().stream().mapToInt(List::size).sum();
                    int steps = protocol.equals("equal-steps") ? fullSteps
                            : Math.max(1, settings.fullEpochs() * selected / TrainingLoop.BATCH_SIZE);
                    Evaluation evaluation;
                    RunTrace trace;
                    try (VqaModel model = VqaModel.copy(initial)) {
                        long start = fingerprint(model.state());
                        TrainingLoop.train(model, pool, subset.stages(), subset.schedule(), steps, seed * 31 + method.hashCode(), null);
                        evaluation = Evaluation.of(model.weights(), test);
                        trace = new RunTrace(method, budget.value().doubleValue(), seed, protocol, start, model.state().updates());
                    }
                    if (trace.initialModel() != initialFingerprint || trace.optimizerSteps() != steps) {
                        throw new IllegalStateException("run " + trace + " did not start from the seed's initial model or did not take "
                                + steps + " steps");
                    }
                    runs.add(trace);
                    double mislabelled = subset.stages().stream().flatMap(List::stream).filter(VqaItem::mislabelled).count()
                            / (double) Math.max(1, selected);
                    Row row = new Row(method, method.equals("full") ? 1.0 : budget.value().doubleValue(), seed, protocol,
                            evaluation, steps, selected, mislabelled);
                    LOG.info("seed {} budget {} {} {}: {} ({} steps, {} items, {}% mislabelled)", seed, row.budget(), method,
                            protocol, evaluation.describe(), steps, selected, Math.round(100 * mislabelled));
                    rows.add(row);
                    onRow.accept(row);
                }
            }
        }
    }

    /** A hash of a model's parameters and optimiser state: equal for equal models. */
    static long fingerprint(VqaModel.State state) {
        long hash = state.updates();
        dev.cadc.trainer.model.ModelWeights w = state.weights();
        for (float[] values : new float[][] {w.wq(), w.bq(), w.wf(), w.bf(), w.wh(), w.bh()}) {
            hash = hash * 31 + Arrays.hashCode(values);
        }
        for (float[][] moments : new float[][][] {state.firstMoments(), state.secondMoments()}) {
            for (float[] values : moments) {
                hash = hash * 31 + Arrays.hashCode(values);
            }
        }
        return hash;
    }

    /** The methods that select by a ranking of their own and apply CADC's duplicate guard to it. */
    static final List<String> GUARDED_BASELINES = List.of("random", "stratified", "high-loss", "low-loss", "less", "less-mean",
            "cadc-no-balance");

    private boolean needsGuard() {
        return GUARDED_BASELINES.stream().anyMatch(settings.methods()::contains);
    }

    private boolean wants(String... methods) {
        return Arrays.stream(methods).anyMatch(settings.methods()::contains);
    }

    /** CADC's duplicate guard for selections made by other rankings: a fresh guard per selection. */
    private record Guards(DuplicateGuard.TrajectoryLookup trajectories, Curator.Analysis analysis, double threshold) {
        DuplicateGuard fresh() {
            return new DuplicateGuard(trajectories, analysis.influenceCheckpoints().length, threshold);
        }

        int indexOf(VqaItem item) {
            int index = analysis.influence().indexOf(item.id());
            if (index < 0) {
                throw new IllegalStateException("pool item " + item.id() + " has no sketches");
            }
            return index;
        }
    }

    private static List<CapabilityRow> capabilityRows(CurationResult curation, Encoded pool, Encoded probes, long seed,
            double budget) {
        Map<Long, VqaItem> probeById = probes.items().stream().collect(Collectors.toMap(VqaItem::id, item -> item));
        Map<Long, VqaItem> poolById = pool.items().stream().collect(Collectors.toMap(VqaItem::id, item -> item));
        int families = QuestionFamily.values().length;
        List<Integer> discovered = new ArrayList<>();
        List<Integer> hidden = new ArrayList<>();
        for (CurationResult.CapabilityOutcome capability : curation.capabilities()) {
            for (long probe : capability.probes()) {
                discovered.add(capability.id());
                hidden.add(probeById.get(probe).family().ordinal());
            }
        }
        double familyAri = ClusterAgreement.adjustedRandIndex(discovered.stream().mapToInt(Integer::intValue).toArray(),
                hidden.stream().mapToInt(Integer::intValue).toArray());
        List<CapabilityRow> rows = new ArrayList<>();
        for (CurationResult.CapabilityOutcome capability : curation.capabilities()) {
            int[] probesByFamily = new int[families];
            for (long probe : capability.probes()) {
                probesByFamily[probeById.get(probe).family().ordinal()]++;
            }
            int[] selectedByFamily = new int[families];
            int mislabelled = 0;
            for (CurationResult.SelectedSample sample : curation.selected()) {
                if (sample.capability() == capability.id()) {
                    VqaItem item = poolById.get(sample.id());
                    selectedByFamily[item.family().ordinal()]++;
                    mislabelled += item.mislabelled() ? 1 : 0;
                }
            }
            rows.add(new CapabilityRow(seed, budget, capability.id(), capability.stage(), capability.difficulty(), probesByFamily,
                    selectedByFamily, mislabelled, familyAri));
        }
        return rows;
    }

    /** The warm-up model's sketches (POOL and PROBE at each checkpoint), its final losses and the LESS-style scores. */
    private record Warmup(List<SketchBatch> batches, Map<Long, Float> loss, Map<Long, Double> lessScore,
            Map<Long, Double> lessMeanScore) {}

    private Warmup warmup(VqaBenchmark benchmark, Encoded pool, Encoded probes, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0xC0FFEE);
        List<VqaItem> shuffled = new ArrayList<>(pool.items());
        java.util.Collections.shuffle(shuffled, new java.util.Random(random.nextLong()));
        List<VqaItem> warmupItems = shuffled.subList(0, Math.max(1, pool.items().size() / 20));
        ProjectionSpec projection = new ProjectionSpec(settings.sketchDim(), seed, ProjectionKind.KRONECKER);
        List<SketchBatch> batches = new ArrayList<>();
        Map<Long, Float> loss = new HashMap<>();
        LessScores less = null;
        try (VqaModel model = new VqaModel(ImageEncoder.FEATURE_DIM, dev.cadc.trainer.vqa.Questions.COUNT,
                benchmark.questions().answerCount(), settings.learningRate(), seed)) {
            int perCheckpoint = settings.warmupSteps() / settings.checkpoints();
            for (int checkpoint = 0; checkpoint < settings.checkpoints(); checkpoint++) {
                TrainingLoop.train(model, pool, List.of(warmupItems), new double[] {1}, perCheckpoint,
                        seed * 13 + checkpoint, null);
                Sketcher sketcher = new Sketcher(projection, model.weights(), pool);
                long step = (long) (checkpoint + 1) * perCheckpoint;
                List<SketchBatch> poolBatches = sketcher.batches("experiment", pool, pool.items(), Role.POOL, checkpoint, step,
                        settings.learningRate());
                List<SketchBatch> probeBatches = sketcher.batches("experiment", probes, probes.items(), Role.PROBE, checkpoint,
                        step, settings.learningRate());
                batches.addAll(probeBatches);
                batches.addAll(poolBatches);
                if (checkpoint == settings.checkpoints() - 1) {
                    for (SketchBatch batch : poolBatches) {
                        for (int r = 0; r < batch.rowCount(); r++) {
                            loss.put(batch.sampleId(r), batch.loss(r));
                        }
                    }
                }
                if (wants("less", "less" + NO_DEDUP, "less-mean", "less-mean" + NO_DEDUP)) {
                    if (less == null) {
                        less = new LessScores(new KroneckerProjector(seed, model.weights().layerShapes(), settings.sketchDim()),
                                pool.items(), probes.items().size());
                    }
                    less.addCheckpoint(model.state(), pool, probes, settings.learningRate());
                }
                LOG.info("warm-up checkpoint {}: {} pool and {} probe sketches (k={})", checkpoint, pool.items().size(),
                        probes.items().size(), settings.sketchDim());
            }
        }
        Map<Long, Double> lessScore = new HashMap<>();
        Map<Long, Double> lessMeanScore = new HashMap<>();
        if (less != null) {
            double[] scores = less.scores();
            double[] means = less.meanScores();
            for (int i = 0; i < scores.length; i++) {
                lessScore.put(pool.items().get(i).id(), scores[i]);
                lessMeanScore.put(pool.items().get(i).id(), means[i]);
            }
        }
        return new Warmup(batches, loss, lessScore, lessMeanScore);
    }

    /** A method's training data: the items each stage introduces and how the steps are spent over them. */
    record Subset(List<List<VqaItem>> stages, StageSchedule schedule) {
        static Subset single(List<VqaItem> items) {
            return new Subset(List.of(items), StageSchedule.uniform(new double[] {1}));
        }
    }

    /** Every method's subset at one budget, and CADC's curation behind the four cadc ones. */
    private record Curated(Map<String, Subset> subsets, CurationResult curation) {}

    private Curated subsets(Encoded pool, Warmup warmup, SketchSource source, Curator.Analysis analysis, Guards guards, Budget budget,
            long count, long seed) {
        Map<Long, VqaItem> byId = pool.items().stream().collect(Collectors.toMap(VqaItem::id, item -> item));
        List<VqaItem> items = pool.items();
        Map<String, Subset> subsets = new LinkedHashMap<>();
        subsets.put("full", Subset.single(items));
        List<VqaItem> shuffled = new ArrayList<>(items);
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed * 101 + count));
        ranked(subsets, "random", shuffled, count, guards);
        if (wants("stratified", "stratified" + NO_DEDUP)) {
            subsets.put("stratified", Subset.single(stratified(items, count, seed, guards)));
            subsets.put("stratified" + NO_DEDUP, Subset.single(stratified(items, count, seed, null)));
        }
        Comparator<VqaItem> byLoss = Comparator.comparingDouble(item -> warmup.loss().get(item.id()));
        if (wants("high-loss", "high-loss" + NO_DEDUP)) {
            ranked(subsets, "high-loss", sorted(items, byLoss.reversed()), count, guards);
        }
        if (wants("low-loss", "low-loss" + NO_DEDUP)) {
            ranked(subsets, "low-loss", sorted(items, byLoss), count, guards);
        }
        if (wants("less", "less" + NO_DEDUP)) {
            ranked(subsets, "less", sorted(items,
                    Comparator.<VqaItem>comparingDouble(item -> warmup.lessScore().get(item.id())).reversed()), count, guards);
        }
        if (wants("less-mean", "less-mean" + NO_DEDUP)) {
            ranked(subsets, "less-mean", sorted(items,
                    Comparator.<VqaItem>comparingDouble(item -> warmup.lessMeanScore().get(item.id())).reversed()), count, guards);
        }

        CuratorConfig config = settings.curation().withBudget(budget);
        Curator.Detailed detailed = new Curator(config).curateFrom(source, analysis);
        CurationResult curation = detailed.result();
        Subset cadc = staged(curation, byId);
        subsets.put("cadc", cadc);
        if (wants("cadc" + NO_DEDUP)) {
            subsets.put("cadc" + NO_DEDUP, staged(new Curator(config.withDuplicateThreshold(1)).curateFrom(source, analysis).result(),
                    byId));
        }
        if (wants("cadc-no-harm")) {
            subsets.put("cadc-no-harm", staged(new Curator(config.withHarmRule(false)).curateFrom(source, analysis).result(), byId));
        }
        subsets.put("cadc-no-stages", Subset.single(cadc.stages().stream().flatMap(List::stream).toList()));
        if (wants("cadc-no-balance")) {
            subsets.put("cadc-no-balance", noBalance(curation, config.stages(), detailed.analysis(), byId, count, guards.fresh()));
        }
        if (wants("cadc-no-balance" + NO_DEDUP)) {
            subsets.put("cadc-no-balance" + NO_DEDUP, noBalance(curation, config.stages(), detailed.analysis(), byId, count, null));
        }
        subsets.put("cadc-equal-exposure", new Subset(cadc.stages(),
                StageSchedule.equalExposure(cadc.stages().stream().mapToInt(List::size).toArray())));
        subsets.put("oracle", oracle(items, count, seed));
        LOG.info("curation at budget {}: {} capabilities, {} selected ({}), {} harmful excluded, shortfall {}", budget,
                curation.capabilities().size(), curation.selected().size(), families(subsets.get("cadc-no-stages").stages().get(0)),
                curation.harmful().length, curation.shortfall());
        logHarm(curation, items);
        return new Curated(subsets, curation);
    }

    /**
     * What the harm rule removed: the mislabelled share among the samples it excluded and among the rest
     * of the pool, and the excluded count per family (a diagnostic: the curator never sees the truth).
     */
    private static void logHarm(CurationResult curation, List<VqaItem> items) {
        java.util.Set<Long> harmful = Arrays.stream(curation.harmful()).boxed().collect(Collectors.toSet());
        long harmfulWrong = items.stream().filter(item -> harmful.contains(item.id()) && item.mislabelled()).count();
        long keptWrong = items.stream().filter(item -> !harmful.contains(item.id()) && item.mislabelled()).count();
        long kept = items.size() - harmful.size();
        LOG.info("harm rule: {} excluded, {} mislabelled ({}); {} kept, {} mislabelled ({}); excluded by family {}", harmful.size(),
                harmfulWrong, String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * harmfulWrong / Math.max(1, harmful.size())),
                kept, keptWrong, String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * keptWrong / Math.max(1, kept)),
                families(items.stream().filter(item -> harmful.contains(item.id())).toList()));
    }

    /** A curation's stages as items, trained with its step shares. */
    private static Subset staged(CurationResult curation, Map<Long, VqaItem> byId) {
        List<List<VqaItem>> stages = curation.stages().stream()
                .map(stage -> stage.samples().stream().map(sample -> byId.get(sample.id())).toList())
                .toList();
        double[] shares = curation.stages().stream().mapToDouble(CurationResult.StageOutcome::stepShare).toArray();
        return new Subset(stages, StageSchedule.uniform(shares));
    }

    /** {@code name}: the first {@code count} of {@code order} that the guard admits; its twin: the first {@code count}. */
    private void ranked(Map<String, Subset> subsets, String name, List<VqaItem> order, long count, Guards guards) {
        subsets.put(name + NO_DEDUP, Subset.single(List.copyOf(order.subList(0, (int) Math.min(count, order.size())))));
        if (settings.methods().contains(name)) {
            subsets.put(name, Subset.single(guarded(order, count, guards.fresh(), guards)));
        }
    }

    private static List<VqaItem> guarded(List<VqaItem> order, long count, DuplicateGuard guard, Guards guards) {
        int[] indices = order.stream().mapToInt(guards::indexOf).toArray();
        int[] taken = guard.firstAdmitted(indices, count);
        Map<Integer, VqaItem> byIndex = new HashMap<>();
        for (int i = 0; i < indices.length; i++) {
            byIndex.put(indices[i], order.get(i));
        }
        return Arrays.stream(taken).mapToObj(byIndex::get).toList();
    }

    /**
     * The stratified baseline: equal shares per question family (read from each item's template; the
     * remainder one each to the first families in table order; a family with too few items gives the
     * rest to the others, {@link #waterFill}), uniformly at random within each family. With
     * {@code guards}, near-duplicates of items already taken (any family) are skipped.
     */
    static List<VqaItem> stratified(List<VqaItem> items, long count, long seed, Guards guards) {
        QuestionFamily[] families = QuestionFamily.values();
        List<List<VqaItem>> byFamily = new ArrayList<>();
        for (QuestionFamily family : families) {
            List<VqaItem> members = new ArrayList<>(items.stream()
                    .filter(item -> dev.cadc.trainer.vqa.Questions.family(item.question()) == family).toList());
            java.util.Collections.shuffle(members, new java.util.Random(seed * 103 + count + family.ordinal()));
            byFamily.add(members);
        }
        DuplicateGuard guard = guards == null ? null : guards.fresh();
        int[] cursor = new int[families.length];
        int[] taken = new int[families.length];
        List<VqaItem> chosen = new ArrayList<>();
        while (chosen.size() < count) {
            // What each family could still reach (the guard may reject some), and equal targets within that.
            long[] cap = new long[families.length];
            for (int f = 0; f < families.length; f++) {
                cap[f] = taken[f] + byFamily.get(f).size() - cursor[f];
            }
            long[] target = waterFill(count, cap);
            int before = chosen.size();
            for (int f = 0; f < families.length; f++) {
                List<VqaItem> members = byFamily.get(f);
                while (taken[f] < target[f] && cursor[f] < members.size()) {
                    VqaItem item = members.get(cursor[f]++);
                    if (guard != null) {
                        int index = guards.indexOf(item);
                        if (!guard.admits(index)) {
                            continue;
                        }
                        guard.accept(index);
                    }
                    chosen.add(item);
                    taken[f]++;
                }
            }
            if (chosen.size() == before) {
                break;
            }
        }
        return List.copyOf(chosen);
    }

    /**
     * Equal shares of {@code total} under caps: a family that cannot reach the equal share gets its
     * cap, the others share the rest equally, the remainder one each to the first in table order.
     */
    static long[] waterFill(long total, long[] cap) {
        int n = cap.length;
        long[] target = new long[n];
        boolean[] capped = new boolean[n];
        long remaining = Math.min(total, Arrays.stream(cap).sum());
        boolean changed = true;
        while (changed) {
            changed = false;
            long open = java.util.stream.IntStream.range(0, n).filter(f -> !capped[f]).count();
            if (open == 0) {
                break;
            }
            double share = remaining / (double) open;
            for (int f = 0; f < n; f++) {
                if (!capped[f] && cap[f] <= share) {
                    capped[f] = true;
                    target[f] = cap[f];
                    remaining -= cap[f];
                    changed = true;
                }
            }
        }
        int[] open = java.util.stream.IntStream.range(0, n).filter(f -> !capped[f]).toArray();
        for (int i = 0; i < open.length; i++) {
            target[open[i]] = remaining / open.length + (i < remaining % open.length ? 1 : 0);
        }
        return target;
    }

    /**
     * CADC without balance: the top {@code count} candidates by their capability influence (skipping
     * near-duplicates when given a guard), staged like CADC: by its capabilities' stages, with the
     * curation's stage plan's shares over its own stages.
     */
    private static Subset noBalance(CurationResult curation, dev.cadc.core.curriculum.StagePlan plan, Curator.Analysis analysis,
            Map<Long, VqaItem> byId, long count, DuplicateGuard guard) {
        int[] ranked = java.util.stream.IntStream.range(0, analysis.scores().length)
                .filter(i -> analysis.scores()[i].isCandidate())
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -analysis.scores()[i].attributedInfluence())
                        .thenComparingLong(i -> analysis.influence().sampleId(i)))
                .mapToInt(Integer::intValue)
                .toArray();
        int[] candidates = guard == null ? Arrays.copyOf(ranked, (int) Math.min(count, ranked.length)) : guard.firstAdmitted(ranked, count);
        int[] capabilityIds = analysis.clustering().capabilityIds();
        Map<Integer, Integer> stageOfCapability = curation.capabilities().stream()
                .collect(Collectors.toMap(CurationResult.CapabilityOutcome::id, CurationResult.CapabilityOutcome::stage));
        int stageCount = curation.stages().size();
        List<List<VqaItem>> stages = new ArrayList<>();
        for (int s = 0; s < stageCount; s++) {
            stages.add(new ArrayList<>());
        }
        for (int i : candidates) {
            int capability = capabilityIds[analysis.scores()[i].attributedIndex()];
            stages.get(stageOfCapability.getOrDefault(capability, 1) - 1).add(byId.get(analysis.influence().sampleId(i)));
        }
        // The curation's plan over this subset's own stages: with size-proportional shares they follow
        // its stage sizes, not cadc's; other plans give the curation's shares (they depend on the count only).
        double[] shares = plan.sharesFor(stages.stream().mapToLong(List::size).toArray());
        return new Subset(stages, StageSchedule.uniform(shares));
    }

    /** The upper bound: clean, non-duplicate items balanced by their true family (reads the hidden truth). */
    private static Subset oracle(List<VqaItem> items, long count, long seed) {
        Map<QuestionFamily, List<VqaItem>> clean = new EnumMap<>(QuestionFamily.class);
        for (VqaItem item : items) {
            if (!item.mislabelled() && item.duplicateOf() < 0) {
                clean.computeIfAbsent(item.family(), f -> new ArrayList<>()).add(item);
            }
        }
        clean.values().forEach(list -> java.util.Collections.shuffle(list, new java.util.Random(seed)));
        List<VqaItem> chosen = new ArrayList<>();
        int[] taken = new int[QuestionFamily.values().length];
        while (chosen.size() < count) {
            boolean progress = false;
            for (QuestionFamily family : QuestionFamily.values()) {
                List<VqaItem> available = clean.getOrDefault(family, List.of());
                if (chosen.size() < count && taken[family.ordinal()] < available.size()) {
                    chosen.add(available.get(taken[family.ordinal()]++));
                    progress = true;
                }
            }
            if (!progress) {
                break;
            }
        }
        return Subset.single(chosen);
    }

    private static List<VqaItem> sorted(List<VqaItem> items, Comparator<VqaItem> order) {
        return items.stream().sorted(order.thenComparingLong(VqaItem::id)).toList();
    }

    /** For logs: the share of families among items. */
    static String families(List<VqaItem> items) {
        return Arrays.stream(QuestionFamily.values())
                .map(f -> f.label() + " " + items.stream().filter(i -> i.family() == f).count())
                .collect(Collectors.joining(", "));
    }
}
