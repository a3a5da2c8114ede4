package dev.cadc.trainer.train;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.trainer.model.ImageEncoder;
import dev.cadc.trainer.model.ModelWeights;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.vqa.Questions;
import dev.cadc.trainer.vqa.VqaBenchmark;
import dev.cadc.trainer.vqa.VqaItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference trainer as a Kafka citizen: publishes its run-start, warms up on a random 5% with a
 * TRAIN sketch per sample and step (sketched and published on a background {@link SketchPipeline} that
 * overlaps the next steps, drained before each checkpoint), publishes PROBE and POOL sketches with a
 * checkpoint-complete record at each warm-up checkpoint, then trains stage by stage on the newest
 * committed curriculum.
 * At every stage boundary it publishes a new checkpoint of the current model and waits, with a
 * deadline, for the curriculum version that includes it.
 */
public final class LiveTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(LiveTrainer.class);

    /**
     * The trainer's settings.
     *
     * @param trainSketchEvery the warm-up publishes the TRAIN sketches of every {@code trainSketchEvery}-th
     *     step (1: every step). The run's influence source is POOL, so its TRAIN rows are counted and
     *     shown, never added to influence: the value changes nothing the job computes from the run's
     *     POOL and PROBE rows, and the trainer's sketching work per step falls by that factor
     */
    public record Settings(String runId, int sketchDim, int warmupSteps, int warmupCheckpoints, int trainingSteps,
            float learningRate, Duration curriculumDeadline, long seed, int trainSketchEvery) {
        public Settings {
            if (trainSketchEvery < 1) {
                throw new IllegalArgumentException("the TRAIN sketches are published every N-th warm-up step, N >= 1; got " + trainSketchEvery);
            }
        }
    }

    /**
     * What the run did: the curriculum versions it trained on, the final evaluation, and the model as
     * the warm-up left it (parameters and optimiser state), from which comparison runs can start so
     * that they get the same compute.
     */
    public record Outcome(List<Long> versionsUsed, int stages, Evaluation evaluation, int itemsUsed, VqaModel.State warmedUp) {}

    private final Settings settings;
    private final SketchPublisher publisher;
    private final CurriculumClient curricula;
    private final Consumer<String> progress;
    private final Consumer<SketchBatch> scanned;

    /**
     * @param scanned receives every PROBE and POOL batch the trainer publishes (e.g. for a report);
     *     a no-op when nothing needs them
     */
    public LiveTrainer(Settings settings, SketchPublisher publisher, CurriculumClient curricula, Consumer<String> progress,
            Consumer<SketchBatch> scanned) {
        this.settings = settings;
        this.publisher = publisher;
        this.curricula = curricula;
        this.progress = progress;
        this.scanned = scanned;
    }

    public Outcome run(VqaBenchmark benchmark, ImageEncoder encoder) throws TimeoutException {
        Encoded pool = new Encoded(benchmark.pool().items(), encoder.encode(benchmark.pool().images()));
        Encoded probes = new Encoded(benchmark.probes().items(), encoder.encode(benchmark.probes().images()));
        Encoded test = new Encoded(benchmark.test().items(), encoder.encode(benchmark.test().images()));
        Map<Long, VqaItem> byId = pool.items().stream().collect(Collectors.toMap(VqaItem::id, item -> item));
        ProjectionSpec projection = new ProjectionSpec(settings.sketchDim(), settings.seed(), ProjectionKind.KRONECKER);
        publisher.startRun(new RunStart(settings.runId(), settings.sketchDim(), settings.seed(), ProjectionKind.KRONECKER,
                InfluenceSource.POOL));
        Map<Long, String> catalogue = new java.util.TreeMap<>();
        List<String> answers = benchmark.questions().answers();
        for (VqaItem probe : probes.items()) {
            catalogue.put(probe.id(), probe.family().label() + ": " + benchmark.questions().text(probe.question()) + " -> "
                    + answers.get(probe.answer()));
        }
        publisher.publishProbeCatalogue(settings.runId(), catalogue);
        SplittableRandom random = new SplittableRandom(settings.seed());
        List<VqaItem> warmupItems = WarmupStep.warmupItems(pool.items(), random);

        try (VqaModel model = new VqaModel(ImageEncoder.FEATURE_DIM, Questions.COUNT, benchmark.questions().answerCount(),
                settings.learningRate(), settings.seed())) {
            int perCheckpoint = Math.max(1, settings.warmupSteps() / settings.warmupCheckpoints());
            int checkpoint = -1;
            int step = 0;
            try (SketchPipeline pipeline = SketchPipeline.background("cadc-train-sketches", SketchPipeline.DEFAULT_CAPACITY)) {
                for (int c = 0; c < settings.warmupCheckpoints(); c++) {
                    for (int i = 0; i < perCheckpoint; i++, step++) {
                        if (WarmupStep.sketches(step, settings.trainSketchEvery())) {
                            trainStepWithTrainSketches(model, pool, warmupItems, random, projection, checkpoint, step, pipeline);
                        } else {
                            WarmupStep.train(model, pool, WarmupStep.drawBatch(warmupItems, random));
                        }
                    }
                    // The publisher is the trainer's again only once the window's TRAIN rows are sent.
                    pipeline.flush();
                    checkpoint = c;
                    publishCheckpoint(model, pool, probes, projection, checkpoint, step);
                    progress.accept(String.format(java.util.Locale.ROOT, "warm-up: step %d/%d, checkpoint %d published",
                            step, settings.warmupSteps(), checkpoint));
                }
            }
            VqaModel.State warmedUp = model.state();
            Curriculum curriculum = awaitVersion(checkpoint);
            List<Long> versions = new ArrayList<>(List.of(curriculum.version()));
            int stages = stageCount(curriculum);
            int stepsPerStage = settings.trainingSteps() / Math.max(1, stages);
            for (int stage = 1; stage <= stages; stage++) {
                List<VqaItem> items = itemsUpTo(curriculum, stage, byId);
                progress.accept(String.format(java.util.Locale.ROOT, "stage %d/%d: %d items from curriculum version %d",
                        stage, stages, items.size(), curriculum.version()));
                int steps = stage == stages ? settings.trainingSteps() - stepsPerStage * (stages - 1) : stepsPerStage;
                int stageNumber = stage;
                TrainingLoop.train(model, pool, List.of(items), new double[] {1}, steps, settings.seed() * 97 + stage,
                        (s, ignored, loss) -> {
                            if ((s + 1) % 100 == 0) {
                                progress.accept(String.format(java.util.Locale.ROOT, "stage %d: step %d/%d, loss %.3f",
                                        stageNumber, s + 1, steps, loss));
                            }
                        });
                if (stage < stages) {
                    checkpoint++;
                    publishCheckpoint(model, pool, probes, projection, checkpoint, step);
                    curriculum = awaitVersion(checkpoint);
                    versions.add(curriculum.version());
                }
            }
            // Done with the curriculum: the job may release the run's state (its versions stay on the topic).
            publisher.endRun(settings.runId(), checkpoint);
            publisher.flush();
            Evaluation evaluation = Evaluation.of(model.weights(), test);
            progress.accept("evaluation: " + evaluation.describe());
            return new Outcome(versions, stages, evaluation, itemsUpTo(curriculum, stages, byId).size(), warmedUp);
        }
    }

    /**
     * One warm-up step, publishing a TRAIN sketch of every sample in the batch at the weights it saw; the
     * sketching and publishing run on {@code pipeline}'s thread while the next steps train.
     */
    private void trainStepWithTrainSketches(VqaModel model, Encoded pool, List<VqaItem> warmupItems, SplittableRandom random,
            ProjectionSpec projection, int checkpoint, int step, SketchPipeline pipeline) {
        List<VqaItem> batch = WarmupStep.drawBatch(warmupItems, random);
        WarmupStep.trainHandingOver(model, pool, batch, pipeline, (before, items) -> publisher.publish(
                WarmupStep.trainSketches(before, pool, items, projection, settings.runId(), checkpoint, step, settings.learningRate())));
    }

    private void publishCheckpoint(VqaModel model, Encoded pool, Encoded probes, ProjectionSpec projection, int checkpoint, int step) {
        publishScan(publisher, projection, model.weights(), pool, probes, settings.runId(), checkpoint, step, settings.learningRate(),
                scanned);
        publisher.completeCheckpoint(settings.runId(), checkpoint);
    }

    /**
     * A checkpoint's scan: the PROBE and then the POOL sketches of every item at {@code weights}
     * ({@link Sketcher#batches}, on every core), each batch published and handed to {@code scanned}.
     * Returns the rows published. The checkpoint-complete record is the caller's.
     */
    public static long publishScan(SketchPublisher publisher, ProjectionSpec projection, ModelWeights weights, Encoded pool,
            Encoded probes, String runId, int checkpoint, long step, float learningRate, Consumer<SketchBatch> scanned) {
        Sketcher sketcher = new Sketcher(projection, weights, pool);
        return publish(publisher, sketcher.batches(runId, probes, probes.items(), Role.PROBE, checkpoint, step, learningRate), scanned)
                + publish(publisher, sketcher.batches(runId, pool, pool.items(), Role.POOL, checkpoint, step, learningRate), scanned);
    }

    private static long publish(SketchPublisher publisher, List<SketchBatch> batches, Consumer<SketchBatch> scanned) {
        long rows = 0;
        for (SketchBatch batch : batches) {
            publisher.publish(batch);
            scanned.accept(batch);
            rows += batch.rowCount();
        }
        return rows;
    }

    private Curriculum awaitVersion(int checkpoint) throws TimeoutException {
        Curriculum curriculum = curricula.awaitNewerThan(settings.runId(), checkpoint - 1L, settings.curriculumDeadline());
        progress.accept(String.format(java.util.Locale.ROOT, "curriculum version %d: %d samples in %d stages (budget %d of %d, %d harmful excluded)",
                curriculum.version(), curriculum.entries().size(), stageCount(curriculum), curriculum.budget(),
                curriculum.poolSize(), curriculum.harmfulCount()));
        LOG.info("run {}: training on curriculum version {}", settings.runId(), curriculum.version());
        return curriculum;
    }

    private static int stageCount(Curriculum curriculum) {
        return curriculum.entries().stream().mapToInt(CurriculumEntry::stage).max().orElse(1);
    }

    /** Everything introduced in stages 1..stage (cumulative). */
    private static List<VqaItem> itemsUpTo(Curriculum curriculum, int stage, Map<Long, VqaItem> byId) {
        TreeMap<Integer, List<VqaItem>> byStage = new TreeMap<>();
        for (CurriculumEntry entry : curriculum.entries()) {
            VqaItem item = byId.get(entry.sampleId());
            if (item != null && entry.stage() <= stage) {
                byStage.computeIfAbsent(entry.stage(), s -> new ArrayList<>()).add(item);
            }
        }
        return byStage.values().stream().flatMap(List::stream).toList();
    }
}
