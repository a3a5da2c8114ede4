package dev.cadc.trainer.experiment;

import dev.cadc.core.curriculum.Budget;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.SketchSource;
import dev.cadc.core.curriculum.StageSchedule;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.math.Vectors;
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
 * 5% with sketches at its checkpoints, then for each budget every method's subset trained from
 * scratch under both protocols and evaluated on the clean test set.
 */
public final class Experiment {

    private static final Logger LOG = LoggerFactory.getLogger(Experiment.class);

    /** The methods in table order, as one constant so that help texts can name them. */
    public static final String METHOD_NAMES =
            "full,random,high-loss,low-loss,less,cadc,cadc-no-stages,cadc-no-balance,cadc-equal-exposure,oracle";

    public static final List<String> METHODS = List.of(METHOD_NAMES.split(","));

    /** Everything the experiment varies or fixes; the defaults are the issue's. */
    public record Settings(DatasetDescriptor dataset, LabelledImages trainImages, LabelledImages testImages,
            VqaBenchmark.Config benchmark, List<Long> seeds, List<String> budgets, List<String> methods,
            int sketchDim, int fullEpochs, int warmupSteps, int checkpoints, float learningRate, int encoderEpochs) {}

    /** One result row of results.csv. */
    public record Row(String method, double budget, long seed, String protocol, Evaluation evaluation, int steps, int selected,
            double mislabelledShare) {}

    /**
     * One capability CADC discovered for a seed, and what it selected at a budget (a row of
     * capabilities.csv). The per-family counts read the hidden truth: they show whether capabilities
     * found from gradients match the question families; the curator never sees them.
     */
    public record CapabilityRow(long seed, double budget, int capability, int stage, double difficulty, int[] probesByFamily,
            int[] selectedByFamily, int selectedMislabelled) {

        public int probes() {
            return Arrays.stream(probesByFamily).sum();
        }

        public int selected() {
            return Arrays.stream(selectedByFamily).sum();
        }
    }

    /** Everything a run measured: the accuracy rows and the capabilities behind CADC's selections. */
    public record Results(List<Row> rows, List<CapabilityRow> capabilities) {}

    private final Settings settings;

    public Experiment(Settings settings) {
        this.settings = settings;
    }

    /** Runs every seed, budget, method and protocol; {@code onRow} hears of each row as it is measured. */
    public Results run(Consumer<Row> onRow) {
        List<Row> rows = new ArrayList<>();
        List<CapabilityRow> capabilities = new ArrayList<>();
        for (long seed : settings.seeds()) {
            runSeed(seed, onRow, rows, capabilities);
        }
        return new Results(List.copyOf(rows), List.copyOf(capabilities));
    }

    private void runSeed(long seed, Consumer<Row> onRow, List<Row> rows, List<CapabilityRow> capabilities) {
        VqaBenchmark benchmark = VqaBenchmark.build(settings.dataset(), settings.trainImages(), settings.testImages(),
                new VqaBenchmark.Config(settings.benchmark().poolSize(), settings.benchmark().mixture(),
                        settings.benchmark().duplicates(), settings.benchmark().noise(), settings.benchmark().noiseKind(),
                        settings.benchmark().probesPerFamily(), settings.benchmark().testPerFamily(), seed));
        ImageEncoder encoder = ImageEncoder.pretrain(benchmark.encoderImages(), settings.encoderEpochs(), seed);
        Encoded pool = new Encoded(benchmark.pool().items(), encoder.encode(benchmark.pool().images()));
        Encoded probes = new Encoded(benchmark.probes().items(), encoder.encode(benchmark.probes().images()));
        Encoded test = new Encoded(benchmark.test().items(), encoder.encode(benchmark.test().images()));
        int answers = benchmark.questions().answerCount();
        int fullSteps = settings.fullEpochs() * pool.items().size() / TrainingLoop.BATCH_SIZE;

        Warmup warmup = warmup(benchmark, pool, probes, seed);
        for (String budgetText : settings.budgets()) {
            Budget budget = Budget.parse(budgetText);
            long count = budget.resolve(pool.items().size());
            Curated curated = subsets(pool, warmup, budget, count, seed);
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
                    try (VqaModel model = new VqaModel(ImageEncoder.FEATURE_DIM, dev.cadc.trainer.vqa.Questions.COUNT, answers,
                            settings.learningRate(), seed * 7919 + 1)) {
                        TrainingLoop.train(model, pool, subset.stages(), subset.schedule(), steps, seed * 31 + method.hashCode(), null);
                        evaluation = Evaluation.of(model.weights(), test);
                    }
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

    private static List<CapabilityRow> capabilityRows(CurationResult curation, Encoded pool, Encoded probes, long seed,
            double budget) {
        Map<Long, VqaItem> probeById = probes.items().stream().collect(Collectors.toMap(VqaItem::id, item -> item));
        Map<Long, VqaItem> poolById = pool.items().stream().collect(Collectors.toMap(VqaItem::id, item -> item));
        int families = QuestionFamily.values().length;
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
                    selectedByFamily, mislabelled));
        }
        return rows;
    }

    /** The warm-up model's sketches (POOL and PROBE at each checkpoint) and its final losses. */
    private record Warmup(List<SketchBatch> batches, Map<Long, Float> loss, Map<Long, Double> lessScore) {}

    private Warmup warmup(VqaBenchmark benchmark, Encoded pool, Encoded probes, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0xC0FFEE);
        List<VqaItem> shuffled = new ArrayList<>(pool.items());
        java.util.Collections.shuffle(shuffled, new java.util.Random(random.nextLong()));
        List<VqaItem> warmupItems = shuffled.subList(0, Math.max(1, pool.items().size() / 20));
        ProjectionSpec projection = new ProjectionSpec(settings.sketchDim(), seed, ProjectionKind.KRONECKER);
        List<SketchBatch> batches = new ArrayList<>();
        Map<Long, Float> loss = new HashMap<>();
        Map<Long, double[]> lessSum = new HashMap<>();
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
                float[] meanProbe = meanSketch(probeBatches, settings.sketchDim());
                for (SketchBatch batch : poolBatches) {
                    for (int r = 0; r < batch.rowCount(); r++) {
                        float[] sketch = batch.sketch(r);
                        double cosine = Vectors.dot(Vectors.normalized(sketch), meanProbe);
                        lessSum.computeIfAbsent(batch.sampleId(r), id -> new double[1])[0] += batch.learningRate(r) * cosine;
                        if (checkpoint == settings.checkpoints() - 1) {
                            loss.put(batch.sampleId(r), batch.loss(r));
                        }
                    }
                }
                LOG.info("warm-up checkpoint {}: {} pool and {} probe sketches (k={})", checkpoint, pool.items().size(),
                        probes.items().size(), settings.sketchDim());
            }
        }
        Map<Long, Double> less = lessSum.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue()[0]));
        return new Warmup(batches, loss, less);
    }

    private static float[] meanSketch(List<SketchBatch> batches, int k) {
        double[] sum = new double[k];
        int rows = 0;
        for (SketchBatch batch : batches) {
            for (int r = 0; r < batch.rowCount(); r++) {
                float[] unit = Vectors.normalized(batch.sketch(r));
                for (int d = 0; d < k; d++) {
                    sum[d] += unit[d];
                }
                rows++;
            }
        }
        float[] mean = new float[k];
        for (int d = 0; d < k; d++) {
            mean[d] = (float) (sum[d] / Math.max(1, rows));
        }
        return Vectors.normalized(mean);
    }

    /** A method's training data: the items each stage introduces and how the steps are spent over them. */
    record Subset(List<List<VqaItem>> stages, StageSchedule schedule) {
        static Subset single(List<VqaItem> items) {
            return new Subset(List.of(items), StageSchedule.uniform(new double[] {1}));
        }
    }

    /** Every method's subset at one budget, and CADC's curation behind the four cadc ones. */
    private record Curated(Map<String, Subset> subsets, CurationResult curation) {}

    private Curated subsets(Encoded pool, Warmup warmup, Budget budget, long count, long seed) {
        Map<Long, VqaItem> byId = pool.items().stream().collect(Collectors.toMap(VqaItem::id, item -> item));
        List<VqaItem> items = pool.items();
        Map<String, Subset> subsets = new LinkedHashMap<>();
        subsets.put("full", Subset.single(items));
        List<VqaItem> shuffled = new ArrayList<>(items);
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed * 101 + count));
        subsets.put("random", Subset.single(List.copyOf(shuffled.subList(0, (int) count))));
        Comparator<VqaItem> byLoss = Comparator.comparingDouble(item -> warmup.loss().get(item.id()));
        subsets.put("high-loss", Subset.single(top(items, byLoss.reversed(), count)));
        subsets.put("low-loss", Subset.single(top(items, byLoss, count)));
        subsets.put("less", Subset.single(top(items,
                Comparator.<VqaItem>comparingDouble(item -> warmup.lessScore().get(item.id())).reversed(), count)));

        CuratorConfig config = CuratorConfig.defaults().withBudget(budget);
        Curator.Detailed detailed = new Curator(config).curateInDetail(SketchSource.of(warmup.batches()), "experiment",
                settings.sketchDim(), InfluenceSource.POOL);
        CurationResult curation = detailed.result();
        List<List<VqaItem>> stages = curation.stages().stream()
                .map(stage -> stage.samples().stream().map(sample -> byId.get(sample.id())).toList())
                .toList();
        double[] shares = curation.stages().stream().mapToDouble(CurationResult.StageOutcome::stepShare).toArray();
        subsets.put("cadc", new Subset(stages, StageSchedule.uniform(shares)));
        subsets.put("cadc-no-stages", Subset.single(stages.stream().flatMap(List::stream).toList()));
        subsets.put("cadc-no-balance", noBalance(curation, detailed.analysis(), byId, count));
        subsets.put("cadc-equal-exposure", new Subset(stages,
                StageSchedule.equalExposure(stages.stream().mapToInt(List::size).toArray())));
        subsets.put("oracle", oracle(items, count, seed));
        LOG.info("curation at budget {}: {} capabilities, {} selected ({}), {} harmful excluded, shortfall {}", budget,
                curation.capabilities().size(), curation.selected().size(), families(subsets.get("cadc-no-stages").stages().get(0)),
                curation.harmful().length, curation.shortfall());
        return new Curated(subsets, curation);
    }

    /** CADC without balance: the top {@code count} candidates by their capability influence, staged like CADC. */
    private static Subset noBalance(CurationResult curation, Curator.Analysis analysis, Map<Long, VqaItem> byId, long count) {
        int[] candidates = java.util.stream.IntStream.range(0, analysis.scores().length)
                .filter(i -> analysis.scores()[i].isCandidate())
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -analysis.scores()[i].attributedInfluence())
                        .thenComparingLong(i -> analysis.influence().sampleId(i)))
                .limit(count)
                .mapToInt(Integer::intValue)
                .toArray();
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
        double[] shares = curation.stages().stream().mapToDouble(CurationResult.StageOutcome::stepShare).toArray();
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

    private static List<VqaItem> top(List<VqaItem> items, Comparator<VqaItem> order, long count) {
        return items.stream().sorted(order.thenComparingLong(VqaItem::id)).limit(count).toList();
    }

    /** For logs: the share of families among items. */
    static String families(List<VqaItem> items) {
        return Arrays.stream(QuestionFamily.values())
                .map(f -> f.label() + " " + items.stream().filter(i -> i.family() == f).count())
                .collect(Collectors.joining(", "));
    }
}
