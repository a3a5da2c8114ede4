package dev.cadc.cli;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.trainer.model.ImageEncoder;
import dev.cadc.trainer.train.LiveTrainer;
import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import dev.cadc.trainer.vqa.QuestionFamily;
import dev.cadc.trainer.vqa.VqaBenchmark;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cadc train}: the DJL reference trainer, publishing sketches and training on the live curriculum. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        header = "Train the reference VLM on the live curriculum from Kafka.",
        description = {
            "Builds VQA-Fashion, pretrains the frozen image tower, publishes the run-start, warms up on a random 5%%",
            "(TRAIN sketches per step, or of one step in N with --train-sketch-every; PROBE and POOL sketches at each",
            "checkpoint), then trains stage by stage on the newest committed curriculum, publishing a new checkpoint at",
            "each stage boundary and waiting for the curriculum version that includes it. Ends with the run's run-end,",
            "so the job releases its state. Needs the CADC job running against the same broker (./cadc job)."
        },
        sortOptions = false)
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrap;

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka;


    @Option(names = "--run", required = true, paramLabel = "ID", description = "The run id.")
    String runId;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the benchmark, model and projection (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    BenchmarkOptions benchmarkOptions;

    @Mixin
    WarmupOptions warmupOptions;

    @Option(names = "--steps", defaultValue = "1875", description = "Training steps on the curriculum (default ${DEFAULT-VALUE}: 3 epochs of the full pool).")
    int steps;

    @Option(names = "--deadline", defaultValue = "300", paramLabel = "SECONDS",
            description = "How long to wait for each curriculum version (default ${DEFAULT-VALUE}).")
    int deadlineSeconds;

    @Option(names = "--train-sketch-every", defaultValue = "1", paramLabel = "N",
            description = "Publish the TRAIN sketches of every N-th warm-up step only (default ${DEFAULT-VALUE}: every step). The run's"
                    + " influence source is POOL, so TRAIN rows are counted and shown, never added to influence: N changes nothing"
                    + " the job computes from the POOL and PROBE rows, and the warm-up's sketching work falls N-fold.")
    int trainSketchEvery;

    @Override
    public Integer call() throws Exception {
        if (trainSketchEvery < 1) {
            throw new IllegalArgumentException("--train-sketch-every must be >= 1; got " + trainSketchEvery);
        }
        DatasetDescriptor descriptor = benchmarkOptions.descriptor();
        LabelledImages[] sets = benchmarkOptions.load();
        VqaBenchmark benchmark = VqaBenchmark.build(descriptor, sets[0], sets[1], benchmarkOptions.config(seed));
        PrintWriter out = spec.commandLine().getOut();
        out.printf("VQA-%s: %d pool items, %d probes, %d test items%n", descriptor.name(), benchmark.pool().items().size(),
                benchmark.probes().items().size(), benchmark.test().items().size());
        out.flush();
        ImageEncoder encoder = ImageEncoder.pretrain(benchmark.encoderImages(), warmupOptions.encoderEpochs, seed);
        Map<String, Object> client = kafka.clientConfig(bootstrap);
        LiveTrainer.Settings settings = new LiveTrainer.Settings(runId, warmupOptions.sketchDim, warmupOptions.warmupSteps,
                warmupOptions.checkpoints, steps, warmupOptions.learningRate,
                Duration.ofSeconds(deadlineSeconds), seed, trainSketchEvery);
        LiveTrainer.Outcome outcome;
        try (SketchPublisher publisher = new SketchPublisher(client,
                SketchPublisher.DEFAULT_MAX_RECORD_BYTES, dev.cadc.core.topic.CadcTopics.SKETCHES, true, kafka.topicPrefix);
                CurriculumClient curricula = new CurriculumClient(client, kafka.topicPrefix)) {
            outcome = new LiveTrainer(settings, publisher, curricula, line -> {
                out.println(line);
                out.flush();
            }, batch -> { }).run(benchmark, encoder);
        }
        out.printf(Locale.ROOT, "run %s: trained on curriculum versions %s (%d stages, %d items)%n", runId,
                outcome.versionsUsed(), outcome.stages(), outcome.itemsUsed());
        for (QuestionFamily family : QuestionFamily.values()) {
            out.printf(Locale.ROOT, "  %-13s %.3f%n", family.label(), outcome.evaluation().accuracy().get(family));
        }
        out.printf(Locale.ROOT, "  %-13s %.3f%n", "macro", outcome.evaluation().macro());
        out.flush();
        return 0;
    }
}
