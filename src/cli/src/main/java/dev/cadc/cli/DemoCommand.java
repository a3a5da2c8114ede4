package dev.cadc.cli;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.client.TopicReader;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.SketchSource;
import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.testing.EmbeddedKafkaBroker;
import dev.cadc.trainer.model.ImageEncoder;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.train.Encoded;
import dev.cadc.trainer.train.Evaluation;
import dev.cadc.trainer.train.LiveTrainer;
import dev.cadc.trainer.train.TrainingLoop;
import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import dev.cadc.trainer.vqa.QuestionFamily;
import dev.cadc.trainer.vqa.Questions;
import dev.cadc.trainer.vqa.VqaBenchmark;
import dev.cadc.trainer.vqa.VqaItem;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cadc demo}: everything on this machine. A real Kafka broker, the CADC job on a local Flink
 * with its web UI, and the DJL reference trainer training live on the curriculum the job publishes;
 * then the same budget picked at random (and full data unless {@code --quick}) for comparison, a table
 * and an HTML report.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        header = "Run broker, Flink job and trainer live; write a report.",
        description = {
            "Starts an embedded Kafka broker, the CADC Flink job on a local MiniCluster (web UI on localhost:8081,",
            "or a free port), and the DJL reference trainer on VQA-Fashion, which publishes sketches and trains stage",
            "by stage on the curriculum versions the job publishes. Then trains a random subset of the same size",
            "(and full data unless --quick) from the same warm-up model for the same steps (equal compute), prints a",
            "table and writes REPORT_DIR/index.html. Ctrl-C stops it all."
        },
        sortOptions = false)
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "A smaller pool and fewer steps: a few minutes on 2 cores; no full-data run.")
    boolean quick;

    @Option(names = "--web-port", defaultValue = "8081", description = "Flink web UI port (default ${DEFAULT-VALUE}; a free one when taken).")
    int webPort;

    @Option(names = "--report-dir", defaultValue = "cadc-report", description = "Where the report goes (default ${DEFAULT-VALUE}).")
    Path reportDir;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the benchmark, models and projection (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--budget", defaultValue = "0.05", description = "Curriculum budget (default ${DEFAULT-VALUE}).")
    String budget;

    /** The demo's sizes: quick or full. */
    record Sizes(int pool, int probesPerFamily, int testPerFamily, int sketchDim, int warmupSteps, int steps, int encoderEpochs) {
        static Sizes of(boolean quick) {
            return quick ? new Sizes(6_000, 30, 200, 128, 160, 450, 1) : new Sizes(40_000, 100, 1_000, 512, 400, 1_875, 2);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(out, System.console() != null);
        long started = System.nanoTime();
        Sizes sizes = Sizes.of(quick);
        DatasetDescriptor dataset = DatasetDescriptor.FASHION_MNIST;
        LabelledImages[] images = Datasets.load(dataset, null, null);
        VqaBenchmark benchmark = VqaBenchmark.build(dataset, images[0], images[1], VqaBenchmark.Config.defaults(seed)
                .withSizes(sizes.pool(), sizes.probesPerFamily(), sizes.testPerFamily()));
        progress.line(String.format(Locale.ROOT, "VQA-Fashion: %d pool items (20%% duplicates, 20%% systematically wrong), %d probes, %d test items",
                benchmark.pool().items().size(), benchmark.probes().items().size(), benchmark.test().items().size()));

        String runId = "demo-" + seed;
        List<SketchBatch> scanned = new ArrayList<>();
        LiveTrainer.Outcome curated;
        Curriculum finalCurriculum;
        List<CapabilitySet> capabilityVersions = new ArrayList<>();
        try (Stopper stopper = new Stopper();
                EmbeddedKafkaBroker broker = stopper.register(EmbeddedKafkaBroker.start())) {
            progress.line("Kafka broker ready at " + broker.bootstrapServers());
            JobConfig jobConfig = JobConfig.of(Map.of("bootstrap", broker.bootstrapServers(), "checkpoint-interval-ms", "1000",
                    "budget", budget, "transactional-id-prefix", "cadc-demo-" + seed));
            try (LocalFlinkJob job = stopper.register(LocalFlinkJob.start(jobConfig, webPort))) {
                progress.line("Flink web UI: http://localhost:" + job.webPort() + "  (the CADC job and its metrics)");
                ImageEncoder encoder = ImageEncoder.pretrain(benchmark.encoderImages(), sizes.encoderEpochs(), seed);
                progress.line("image tower pretrained on " + benchmark.encoderImages().size() + " images outside the pool, frozen");
                Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
                LiveTrainer.Settings settings = new LiveTrainer.Settings(runId, sizes.sketchDim(), sizes.warmupSteps(), 4,
                        sizes.steps(), 1e-3f, Duration.ofSeconds(300), seed, 1);
                try (SketchPublisher publisher = new SketchPublisher(client); CurriculumClient curricula = new CurriculumClient(client)) {
                    curated = new LiveTrainer(settings, publisher, curricula, progress::update, scanned::add).run(benchmark, encoder);
                    finalCurriculum = curricula.latest(runId, Duration.ofSeconds(30)).orElseThrow();
                }
                byte[] key = runId.getBytes(StandardCharsets.UTF_8);
                try (TopicReader reader = new TopicReader(client, CadcTopics.CAPABILITIES)) {
                    reader.readToEnd(Duration.ofSeconds(30), record -> {
                        if (Arrays.equals(record.key(), key)) {
                            capabilityVersions.add(CapabilitiesCodec.decode(record.value(), runId));
                        }
                    });
                }
                progress.line("curated run: trained on curriculum versions " + curated.versionsUsed() + ": "
                        + curated.evaluation().describe());

                Encoded pool = new Encoded(benchmark.pool().items(), encoder.encode(benchmark.pool().images()));
                Encoded test = new Encoded(benchmark.test().items(), encoder.encode(benchmark.test().images()));
                Map<String, Evaluation> results = new LinkedHashMap<>();
                results.put("cadc (live)", curated.evaluation());
                List<VqaItem> shuffled = new ArrayList<>(pool.items());
                java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
                // Equal compute: both start from the model the warm-up left (with its optimiser state) and
                // train as many steps as the curated run did after it.
                results.put("random, same size", train(curated.warmedUp(), pool, test, shuffled.subList(0, curated.itemsUsed()), sizes,
                        progress));
                if (!quick) {
                    results.put("full data", train(curated.warmedUp(), pool, test, pool.items(), sizes, progress));
                }
                Curator.Analysis analysis = new Curator(CuratorConfig.defaults()).analyse(SketchSource.of(scanned), runId,
                        sizes.sketchDim(), InfluenceSource.POOL);
                Map<Long, VqaItem> byId = pool.items().stream().collect(Collectors.toMap(VqaItem::id, item -> item));
                double seconds = (System.nanoTime() - started) / 1e9;
                String table = table(results, finalCurriculum, byId, curated, seconds, benchmark.pool().items().size());
                out.println();
                out.print(table);
                DemoReport.write(reportDir, table, results, finalCurriculum, capabilityVersions, byId, analysis);
                out.println("report: " + reportDir.toAbsolutePath().resolve("index.html"));
                out.flush();
            }
        }
        return 0;
    }

    /** Trains a copy of the warm-up model on {@code items} for the curated run's steps and evaluates it. */
    private Evaluation train(VqaModel.State warmedUp, Encoded pool, Encoded test, List<VqaItem> items, Sizes sizes,
            Progress progress) {
        try (VqaModel model = VqaModel.copy(warmedUp)) {
            String label = items.size() == pool.items().size() ? "full data" : "random " + items.size();
            TrainingLoop.train(model, pool, List.of(items), new double[] {1}, sizes.steps(), seed * 7 + items.size(),
                    (step, stage, loss) -> {
                        if ((step + 1) % 50 == 0 || step + 1 == sizes.steps()) {
                            progress.update(String.format(Locale.ROOT, "%s: step %d/%d, loss %.3f", label, step + 1, sizes.steps(), loss));
                        }
                    });
            Evaluation evaluation = Evaluation.of(model.weights(), test);
            progress.line(label + ": " + evaluation.describe());
            return evaluation;
        }
    }

    private static String table(Map<String, Evaluation> results, Curriculum curriculum, Map<Long, VqaItem> byId,
            LiveTrainer.Outcome curated, double seconds, int poolSize) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%-20s %7s", "run", "macro"));
        for (QuestionFamily family : QuestionFamily.values()) {
            text.append(String.format(Locale.ROOT, " %13s", family.label()));
        }
        text.append('\n');
        results.forEach((name, evaluation) -> {
            text.append(String.format(Locale.ROOT, "%-20s %7.3f", name, evaluation.macro()));
            for (QuestionFamily family : QuestionFamily.values()) {
                text.append(String.format(Locale.ROOT, " %13.3f", evaluation.accuracy().get(family)));
            }
            text.append('\n');
        });
        text.append(String.format(Locale.ROOT, "%ncurriculum version %d: %d of %d pool items (%.1f%%), %d harmful excluded, stages:%n",
                curriculum.version(), curriculum.entries().size(), poolSize, 100.0 * curriculum.entries().size() / poolSize,
                curriculum.harmfulCount()));
        Map<Integer, List<CurriculumEntry>> byStage = curriculum.entries().stream()
                .collect(Collectors.groupingBy(CurriculumEntry::stage, java.util.TreeMap::new, Collectors.toList()));
        byStage.forEach((stage, entries) -> {
            text.append(String.format(Locale.ROOT, "  stage %d: %d items, capabilities %s, families %s%n", stage, entries.size(),
                    entries.stream().map(CurriculumEntry::capability).distinct().sorted().toList(),
                    entries.stream().map(e -> byId.get(e.sampleId()).family().label())
                            .collect(Collectors.groupingBy(f -> f, java.util.TreeMap::new, Collectors.counting()))));
        });
        long mislabelled = curriculum.entries().stream().filter(e -> byId.get(e.sampleId()).mislabelled()).count();
        text.append(String.format(Locale.ROOT, "mislabelled among selected: %.1f%% (pool: 20%%); versions consumed: %s; wall time %.0f s%n",
                100.0 * mislabelled / Math.max(1, curriculum.entries().size()), curated.versionsUsed(), seconds));
        return text.toString();
    }

    /** Closes what it holds when the JVM is stopped (Ctrl-C), so no broker or cluster outlives the demo. */
    private static final class Stopper implements AutoCloseable {
        private final List<AutoCloseable> held = new ArrayList<>();
        private final Thread hook = new Thread(this::closeAll, "cadc-demo-shutdown");

        Stopper() {
            Runtime.getRuntime().addShutdownHook(hook);
        }

        synchronized <T extends AutoCloseable> T register(T closeable) {
            held.add(closeable);
            return closeable;
        }

        private synchronized void closeAll() {
            for (int i = held.size() - 1; i >= 0; i--) {
                try {
                    held.get(i).close();
                } catch (Exception e) {
                    System.err.println("cadc demo: stopping " + held.get(i) + " failed: " + e.getMessage());
                }
            }
            held.clear();
        }

        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return;
            }
            closeAll();
        }
    }
}
