package dev.cadc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.testing.EmbeddedKafkaBroker;
import dev.cadc.trainer.model.ImageEncoder;
import dev.cadc.trainer.model.VqaModel;
import dev.cadc.trainer.train.Encoded;
import dev.cadc.trainer.train.SketchPipeline;
import dev.cadc.trainer.train.LiveTrainer;
import dev.cadc.trainer.train.TrainingLoop;
import dev.cadc.trainer.train.WarmupStep;
import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import dev.cadc.trainer.vqa.Questions;
import dev.cadc.trainer.vqa.VqaBenchmark;
import dev.cadc.trainer.vqa.VqaItem;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cadc bench trainer}: what sketching and publishing cost the reference trainer per step. The
 * three modes run the warm-up step of {@code cadc train} ({@link WarmupStep}) on models and batch
 * streams seeded alike, so they take the same steps; they run interleaved in blocks so that load from
 * elsewhere on the machine falls on all three alike. The sketching runs where the trainer runs it: on
 * a background {@link SketchPipeline} ({@code --synchronous}: in the step).
 */
@Command(
        name = "trainer",
        mixinStandardHelpOptions = true,
        header = "Measure the reference trainer's step time without sketching, with sketching, and with sketching and publishing.",
        description = {
            "Builds VQA-Fashion and pretrains the image tower as cadc train does, then times the trainer's warm-up step"
                + " (a batch of 64 from the random 5%%) in three modes: (a) the optimiser step only, (b) the TRAIN sketches"
                + " of the batch (Kronecker projection, built but not sent) and the step, (c) the same sketches published to"
                + " a Kafka broker and the step.",
            "As in cadc train, (b) and (c) hand the sketching (and publishing) to a background thread that overlaps the"
                + " next steps (at most " + SketchPipeline.DEFAULT_CAPACITY + " steps' work waiting; a full queue makes the step"
                + " wait); the step itself copies the weights out of the engine for it. --synchronous sketches and publishes"
                + " in the step instead, as the trainer did before. At the end of each block the background thread is drained"
                + " and that wait is counted in the block's last step, as the trainer drains it before each checkpoint.",
            "Each mode has its own model and batch stream from the same --seed, so all three take the same steps; the"
                + " modes run in turns of --block steps each. The first --warmup steps of each mode (JIT, engine start-up)"
                + " are not timed. The broker is a local one started on 127.0.0.1 unless --bootstrap is given; the producer"
                + " sends asynchronously, as in the trainer, and is flushed after each block of (c), outside the timed steps"
                + " (the flush time is reported apart).",
            "Prints each mode's step time (mean, p50, p99), the sketching and publishing time per step (wall and that"
                + " thread's CPU time, on whichever thread they ran) and the drains, the CPU time of the whole process per step, and the overhead of (b) and (c) over (a) in percent of (a)'s mean step time,"
                + " against the target of 5%%. Then it times one checkpoint's scan as cadc train makes it at every checkpoint (every"
                + " probe's and pool item's sketch, made on every core, published and flushed), a cost outside the step times."
        },
        sortOptions = false)
final class BenchTrainerCommand implements Callable<Integer> {

    /** Adam's learning rate, cadc train's default ({@code --learning-rate}). */
    static final float LEARNING_RATE = 0.001f;

    /** The target the issue sets: sketching and publishing cost under 5% of the step time. */
    static final double TARGET_OVERHEAD_PERCENT = 5.0;

    /** The process's CPU time, which load from other processes does not inflate as it does wall time. */
    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** The CPU time of the thread that sketches and publishes, apart from the producer's and the broker's threads. */
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    @Spec
    CommandSpec spec;

    @Option(names = "--steps", defaultValue = "300", description = "Timed steps per mode, after the warm-up (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "50", description = "Untimed steps per mode first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--block", defaultValue = "25", description = "Steps a mode runs before the next mode's turn (default ${DEFAULT-VALUE}).")
    int block;

    @Option(names = "--sketch-dim", defaultValue = "512", description = "Sketch dimension k, as cadc train's (default ${DEFAULT-VALUE}).")
    int sketchDim;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the benchmark, models, batches and projection (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--encoder-epochs", defaultValue = "1",
            description = "Pretraining epochs of the image tower; its quality does not change the step's cost (default ${DEFAULT-VALUE}).")
    int encoderEpochs;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Publish to this broker instead of a local one started for the run.")
    String bootstrap;

    @Mixin
    KafkaClientOptions kafka;

    @Mixin
    BenchmarkOptions benchmarkOptions;

    @Option(names = "--quick", description = "A quick look: a 2,000-item pool, 20 probes and 50 test items per family, 30 timed steps"
            + " after 10, blocks of 10.")
    boolean quick;

    @Option(names = "--synchronous", description = "Sketch and publish in the training step's thread, as the trainer did"
            + " before it had a background pipeline (for comparison; the sketching and encoding are the current ones).")
    boolean synchronous;

    @Option(names = "--sketch-every", defaultValue = "1", paramLabel = "N",
            description = "Modes (b) and (c) sketch (and publish) every N-th step's batch only, as cadc train --train-sketch-every N"
                    + " does (default ${DEFAULT-VALUE}: every step); the other steps are plain steps.")
    int sketchEvery;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The three modes, in the order they take turns. */
    enum Mode {
        TRAIN("(a) train step only", "train"),
        SKETCH("(b) + TRAIN sketches, not published", "train+sketch"),
        PUBLISH("(c) + sketches published to Kafka", "train+sketch+publish");

        final String label;
        final String key;

        Mode(String label, String key) {
            this.label = label;
            this.key = key;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (quick) {
            benchmarkOptions.pool = 2_000;
            benchmarkOptions.probesPerFamily = 20;
            benchmarkOptions.testPerFamily = 50;
            steps = 30;
            warmup = 10;
            block = 10;
        }
        if (sketchEvery < 1) {
            throw new IllegalArgumentException("--sketch-every must be >= 1; got " + sketchEvery);
        }
        if (steps < 1 || warmup < 0 || block < 1 || sketchDim < 3 || encoderEpochs < 1) {
            throw new IllegalArgumentException("--steps, --block and --encoder-epochs must be >= 1, --warmup >= 0 and --sketch-dim >= 3"
                    + " (one float per layer at least); got --steps " + steps + ", --block " + block + ", --encoder-epochs "
                    + encoderEpochs + ", --warmup " + warmup + ", --sketch-dim " + sketchDim);
        }
        PrintWriter out = spec.commandLine().getOut();
        DatasetDescriptor descriptor = benchmarkOptions.descriptor();
        LabelledImages[] sets = benchmarkOptions.load();
        VqaBenchmark benchmark = VqaBenchmark.build(descriptor, sets[0], sets[1], benchmarkOptions.config(seed));
        ImageEncoder encoder = ImageEncoder.pretrain(benchmark.encoderImages(), encoderEpochs, seed);
        Encoded pool = new Encoded(benchmark.pool().items(), encoder.encode(benchmark.pool().images()));
        Encoded probes = new Encoded(benchmark.probes().items(), encoder.encode(benchmark.probes().images()));
        List<VqaItem> warmupItems = WarmupStep.warmupItems(pool.items(), new SplittableRandom(seed));
        out.printf(Locale.ROOT, "VQA-%s: %d pool items, warm-up draws batches of %d from %d; k = %d, %d cores%n", descriptor.name(),
                pool.items().size(), TrainingLoop.BATCH_SIZE, warmupItems.size(), sketchDim, Runtime.getRuntime().availableProcessors());
        out.flush();

        EmbeddedKafkaBroker broker = bootstrap == null ? EmbeddedKafkaBroker.start() : null;
        try {
            String servers = bootstrap != null ? bootstrap : broker.bootstrapServers();
            out.println("publishing to " + (broker != null ? "a local broker at " + servers : servers));
            out.flush();
            Map<String, Object> client = kafka.clientConfig(servers);
            try (SketchPublisher publisher = new SketchPublisher(client, SketchPublisher.DEFAULT_MAX_RECORD_BYTES, CadcTopics.SKETCHES,
                    true, kafka.topicPrefix)) {
                report(out, measure(benchmark, pool, probes, warmupItems, publisher));
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        return 0;
    }

    /**
     * What one mode measured, per step: the wall time (for the last step of a block, with the drain of
     * the sketch pipeline that follows it), the sketching and publishing time wherever they ran, the
     * drain, the CPU time the whole process used during the step (all threads: the sketch pipeline,
     * the producer and the in-process broker, the GC), in nanoseconds, and
     * the batch loss.
     */
    record Timings(long[] stepNanos, long[] sketchNanos, long[] publishNanos, long[] drainNanos, long[] processCpuNanos,
            long[] sketchCpuNanos, long[] publishCpuNanos, float[] losses) {
        static Timings of(int steps) {
            return new Timings(new long[steps], new long[steps], new long[steps], new long[steps], new long[steps], new long[steps],
                    new long[steps], new float[steps]);
        }
    }

    /** The measurement and the flush time of mode (c) that fell outside its steps; then one checkpoint's scan. */
    record Measured(Map<Mode, Timings> timings, double flushSeconds, Map<Mode, Map<String, Long>> threadNanos,
            Map<Mode, Integer> threadSteps, Scan scan) {}

    /** One checkpoint's scan: its PROBE and POOL rows, sketched and published; wall and process CPU seconds. */
    record Scan(long rows, double seconds, double cpuSeconds) {}

    private Measured measure(VqaBenchmark benchmark, Encoded pool, Encoded probes, List<VqaItem> warmupItems, SketchPublisher publisher) {
        String runId = "bench-trainer-" + Long.toHexString(System.nanoTime());
        ProjectionSpec projection = new ProjectionSpec(sketchDim, seed, ProjectionKind.KRONECKER);
        publisher.startRun(new RunStart(runId, sketchDim, seed, ProjectionKind.KRONECKER, InfluenceSource.POOL));
        int total = warmup + steps;
        Map<Mode, VqaModel> models = new EnumMap<>(Mode.class);
        Map<Mode, SplittableRandom> batches = new EnumMap<>(Mode.class);
        Map<Mode, Timings> timings = new EnumMap<>(Mode.class);
        Map<Mode, SketchPipeline> pipelines = new EnumMap<>(Mode.class);
        Map<Mode, Map<String, Long>> threadNanos = new EnumMap<>(Mode.class);
        Map<Mode, Integer> threadSteps = new EnumMap<>(Mode.class);
        for (Mode mode : Mode.values()) {
            models.put(mode, new VqaModel(ImageEncoder.FEATURE_DIM, Questions.COUNT, benchmark.questions().answerCount(), LEARNING_RATE, seed));
            // The stream cadc train draws its warm-up batches from: what is left after choosing the 5%.
            SplittableRandom random = new SplittableRandom(seed);
            WarmupStep.warmupItems(pool.items(), random);
            batches.put(mode, random);
            timings.put(mode, Timings.of(total));
            threadNanos.put(mode, new java.util.HashMap<>());
            threadSteps.put(mode, 0);
            if (mode != Mode.TRAIN) {
                pipelines.put(mode, synchronous ? SketchPipeline.inline()
                        : SketchPipeline.background("bench-sketches-" + mode.key, SketchPipeline.DEFAULT_CAPACITY));
            }
        }
        long flushNanos = 0;
        Scan scan;
        try {
            for (int start = 0; start < total; start += block) {
                int end = Math.min(total, start + block);
                for (Mode mode : Mode.values()) {
                    VqaModel model = models.get(mode);
                    SplittableRandom random = batches.get(mode);
                    Timings t = timings.get(mode);
                    SketchPipeline pipeline = pipelines.get(mode);
                    // Which threads the mode's CPU time goes to, over its timed blocks (those after the warm-up).
                    ThreadCpuTimes.Snapshot threadsBefore = start >= warmup ? ThreadCpuTimes.snapshot() : null;
                    for (int step = start; step < end; step++) {
                        long cpuBefore = PROCESS.getProcessCpuTime();
                        long began = System.nanoTime();
                        List<VqaItem> batch = WarmupStep.drawBatch(warmupItems, random);
                        if (mode == Mode.TRAIN || !WarmupStep.sketches(step, sketchEvery)) {
                            t.losses()[step] = WarmupStep.train(model, pool, batch);
                        } else {
                            int index = step;
                            // Checkpoint -1: TRAIN rows before the first checkpoint, as in the trainer's first window.
                            t.losses()[step] = WarmupStep.trainHandingOver(model, pool, batch, pipeline, (before, items) -> {
                                long sketchCpuStart = THREADS.getCurrentThreadCpuTime();
                                long sketchStart = System.nanoTime();
                                SketchBatch sketches = WarmupStep.trainSketches(before, pool, items, projection, runId, -1, index,
                                        LEARNING_RATE);
                                long sketched = System.nanoTime();
                                long sketchedCpu = THREADS.getCurrentThreadCpuTime();
                                if (mode == Mode.PUBLISH) {
                                    publisher.publish(sketches);
                                }
                                t.sketchNanos()[index] = sketched - sketchStart;
                                t.publishNanos()[index] = System.nanoTime() - sketched;
                                t.sketchCpuNanos()[index] = sketchedCpu - sketchCpuStart;
                                t.publishCpuNanos()[index] = THREADS.getCurrentThreadCpuTime() - sketchedCpu;
                            });
                        }
                        t.stepNanos()[step] = System.nanoTime() - began;
                        t.processCpuNanos()[step] = PROCESS.getProcessCpuTime() - cpuBefore;
                    }
                    if (pipeline != null) {
                        // The block's sketches are not done until the pipeline is drained: the trainer waits the same way before a checkpoint.
                        long cpuBefore = PROCESS.getProcessCpuTime();
                        long drainStart = System.nanoTime();
                        pipeline.flush();
                        long drain = System.nanoTime() - drainStart;
                        t.drainNanos()[end - 1] = drain;
                        t.stepNanos()[end - 1] += drain;
                        t.processCpuNanos()[end - 1] += PROCESS.getProcessCpuTime() - cpuBefore;
                    }
                    if (threadsBefore != null) {
                        ThreadCpuTimes.addDelta(threadsBefore, ThreadCpuTimes.snapshot(), threadNanos.get(mode));
                        threadSteps.merge(mode, end - start, Integer::sum);
                    }
                    if (mode == Mode.PUBLISH) {
                        long flushStart = System.nanoTime();
                        publisher.flush();
                        flushNanos += System.nanoTime() - flushStart;
                    }
                }
            }
            scan = scan(models.get(Mode.PUBLISH), pool, probes, projection, runId, total, publisher);
        } finally {
            pipelines.values().forEach(SketchPipeline::close);
            models.values().forEach(VqaModel::close);
        }
        return new Measured(timings, flushNanos / 1e9, threadNanos, threadSteps, scan);
    }

    /**
     * One checkpoint's scan as cadc train makes it at every checkpoint: the PROBE and then the POOL sketches
     * of every item at {@code model}'s weights ({@link LiveTrainer#publishScan}, cadc train's own code), published and flushed.
     */
    private static Scan scan(VqaModel model, Encoded pool, Encoded probes, ProjectionSpec projection, String runId, long step,
            SketchPublisher publisher) {
        long cpuBefore = PROCESS.getProcessCpuTime();
        long began = System.nanoTime();
        long rows = LiveTrainer.publishScan(publisher, projection, model.weights(), pool, probes, runId, 0, step, LEARNING_RATE,
                batch -> { });
        publisher.flush();
        return new Scan(rows, (System.nanoTime() - began) / 1e9, (PROCESS.getProcessCpuTime() - cpuBefore) / 1e9);
    }

    private void report(PrintWriter out, Measured measured) throws java.io.IOException {
        out.printf(Locale.ROOT, "step time per mode: %d timed steps each after %d untimed, modes in turns of %d steps; sketches of %s,"
                + " %s%n", steps, warmup, block, sketchEvery == 1 ? "every step" : "one step in " + sketchEvery + " (--sketch-every)",
                synchronous ? "made and published in the step's thread (--synchronous)"
                        : "made and published on a background thread (at most " + SketchPipeline.DEFAULT_CAPACITY
                                + " steps waiting), drained at the end of each block");
        out.printf(Locale.ROOT, "%-40s %9s %9s %9s %10s   %s%n", "mode", "mean ms", "p50 ms", "p99 ms", "overhead", "sketching per step (mean ms)");
        ObjectNode root = mapper.createObjectNode();
        root.put("steps", steps);
        root.put("warmup_steps", warmup);
        root.put("block", block);
        root.put("batch_size", TrainingLoop.BATCH_SIZE);
        root.put("sketch_dim", sketchDim);
        root.put("pool", benchmarkOptions.pool);
        root.put("seed", seed);
        root.put("cores", Runtime.getRuntime().availableProcessors());
        root.put("target_overhead_percent", TARGET_OVERHEAD_PERCENT);
        root.put("sketch_every", sketchEvery);
        root.put("sketch_pipeline", synchronous ? "in the step's thread" : "background");
        root.put("sketch_pipeline_capacity", synchronous ? 0 : SketchPipeline.DEFAULT_CAPACITY);
        ObjectNode modes = root.putObject("modes");
        double baseline = mean(timed(measured.timings().get(Mode.TRAIN).stepNanos()));
        double baselineP50 = percentile(timed(measured.timings().get(Mode.TRAIN).stepNanos()), 50);
        StringBuilder byMedian = new StringBuilder();
        double baselineCpu = mean(timed(measured.timings().get(Mode.TRAIN).processCpuNanos()));
        StringBuilder byCpu = new StringBuilder();
        for (Mode mode : Mode.values()) {
            Timings t = measured.timings().get(mode);
            long[] stepNanos = timed(t.stepNanos());
            double mean = mean(stepNanos);
            double overhead = 100 * (mean - baseline) / baseline;
            ObjectNode figure = modes.putObject(mode.key);
            figure.put("label", mode.label);
            figure.put("mean_ms", mean / 1e6);
            figure.put("p50_ms", percentile(stepNanos, 50) / 1e6);
            figure.put("p99_ms", percentile(stepNanos, 99) / 1e6);
            figure.put("sketch_mean_ms", mean(timed(t.sketchNanos())) / 1e6);
            figure.put("publish_mean_ms", mean(timed(t.publishNanos())) / 1e6);
            figure.put("sketch_thread_cpu_mean_ms", mean(timed(t.sketchCpuNanos())) / 1e6);
            figure.put("publish_thread_cpu_mean_ms", mean(timed(t.publishCpuNanos())) / 1e6);
            figure.put("drain_mean_ms", mean(timed(t.drainNanos())) / 1e6);
            double cpu = mean(timed(t.processCpuNanos()));
            figure.put("process_cpu_mean_ms", cpu / 1e6);
            figure.put("overhead_process_cpu_percent", 100 * (cpu - baselineCpu) / baselineCpu);
            figure.put("overhead_percent", overhead);
            double overheadP50 = 100 * (percentile(stepNanos, 50) - baselineP50) / baselineP50;
            figure.put("overhead_p50_percent", overheadP50);
            byCpu.append(String.format(Locale.ROOT, "%s %s %.3f ms", byCpu.length() == 0 ? "" : ",", mode.label.substring(0, 3), cpu / 1e6));
            if (mode != Mode.TRAIN) {
                byCpu.append(String.format(Locale.ROOT, " (%+.1f%%)", figure.get("overhead_process_cpu_percent").asDouble()));
                byMedian.append(String.format(Locale.ROOT, "%s %s %+.1f%%", byMedian.length() == 0 ? "" : ",", mode.label.substring(0, 3),
                        overheadP50));
            }
            String parts = mode == Mode.TRAIN ? ""
                    : String.format(Locale.ROOT, "%s: sketch %.3f (CPU %.3f)%s; drains %.3f", synchronous ? "in the step" : "in the background",
                            figure.get("sketch_mean_ms").asDouble(), figure.get("sketch_thread_cpu_mean_ms").asDouble(),
                            mode == Mode.PUBLISH ? String.format(Locale.ROOT, ", publish %.3f (CPU %.3f)", figure.get("publish_mean_ms").asDouble(),
                                    figure.get("publish_thread_cpu_mean_ms").asDouble()) : "",
                            figure.get("drain_mean_ms").asDouble());
            out.printf(Locale.ROOT, "%-40s %9.3f %9.3f %9.3f %10s   %s%n", mode.label, figure.get("mean_ms").asDouble(),
                    figure.get("p50_ms").asDouble(), figure.get("p99_ms").asDouble(),
                    mode == Mode.TRAIN ? "-" : String.format(Locale.ROOT, "%+.1f%%", overhead), parts);
        }
        out.println("overhead by the p50 instead of the mean (less moved by load from elsewhere):" + byMedian);
        out.println("CPU time of the whole process per step, mean (all its threads, the local broker's too; not inflated by"
                + " other processes):" + byCpu);
        out.printf(Locale.ROOT, "producer flushes after the blocks of (c), not in its step times: %.3f s in all%n", measured.flushSeconds());
        reportThreads(out, measured, modes);
        root.put("publish_flush_s", measured.flushSeconds());
        boolean sameSteps = Arrays.equals(measured.timings().get(Mode.TRAIN).losses(), measured.timings().get(Mode.SKETCH).losses())
                && Arrays.equals(measured.timings().get(Mode.TRAIN).losses(), measured.timings().get(Mode.PUBLISH).losses());
        root.put("same_losses_in_every_mode", sameSteps);
        out.println("the three modes' batch losses " + (sameSteps ? "are identical step for step (the same steps were taken)"
                : "DIFFER (the engine is not deterministic here; the batches were still the same)"));
        double sketchOverhead = modes.get(Mode.SKETCH.key).get("overhead_percent").asDouble();
        double overhead = modes.get(Mode.PUBLISH.key).get("overhead_percent").asDouble();
        boolean met = overhead < TARGET_OVERHEAD_PERCENT;
        root.put("overhead_percent", overhead);
        root.put("target_met", met);
        out.printf(Locale.ROOT, "target: trainer overhead (c over a) under %.0f%% of the step time: %s (%+.1f%%; sketching alone, b over a: %+.1f%%)%n",
                TARGET_OVERHEAD_PERCENT, met ? "met" : "NOT met", overhead, sketchOverhead);
        Scan scan = measured.scan();
        double inSteps = scan.seconds() * 1e9 / baseline;
        ObjectNode scanFigure = root.putObject("checkpoint_scan");
        scanFigure.put("rows", scan.rows());
        scanFigure.put("wall_s", scan.seconds());
        scanFigure.put("process_cpu_s", scan.cpuSeconds());
        scanFigure.put("in_mean_steps_of_a", inSteps);
        out.printf(Locale.ROOT, "a checkpoint's scan (what cadc train publishes at each checkpoint, not in the step times): %d PROBE and POOL"
                + " sketches made on every core and published in %.2f s (%.2f s of CPU), the time of %.0f mean steps of (a)%n",
                scan.rows(), scan.seconds(), scan.cpuSeconds(), inSteps);
        if (json != null) {
            Files.writeString(json, mapper.writeValueAsString(root) + "\n");
            out.println("wrote " + json);
        }
        out.flush();
    }

    /**
     * The CPU time per timed step of each group of the process's threads, per mode (Linux only: read from
     * /proc at the start and the end of each block, the drain included, the producer flush after a block
     * of (c) not), so the extra CPU time of (b) and (c) can be put down to threads: the sketch pipeline,
     * the producer's I/O thread, the JIT's compilers, the GC, the training thread itself.
     */
    private void reportThreads(PrintWriter out, Measured measured, ObjectNode modes) {
        java.util.Set<String> groups = new java.util.TreeSet<>();
        measured.threadNanos().values().forEach(byGroup -> groups.addAll(byGroup.keySet()));
        if (groups.isEmpty()) {
            return;
        }
        out.println("CPU time per step by thread, mean ms over the timed blocks (from /proc; the JIT's and the GC's threads"
                + " included; time is put down to the mode whose block was running):");
        out.printf(Locale.ROOT, "  %-24s %9s %9s %9s%n", "threads", "(a)", "(b)", "(c)");
        for (String group : groups) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-24s", group));
            for (Mode mode : Mode.values()) {
                int counted = measured.threadSteps().get(mode);
                double ms = counted == 0 ? Double.NaN : measured.threadNanos().get(mode).getOrDefault(group, 0L) / 1e6 / counted;
                line.append(String.format(Locale.ROOT, " %9.3f", ms));
                ObjectNode byThread = modes.get(mode.key).has("thread_cpu_mean_ms")
                        ? (ObjectNode) modes.get(mode.key).get("thread_cpu_mean_ms")
                        : ((ObjectNode) modes.get(mode.key)).putObject("thread_cpu_mean_ms");
                byThread.put(group, ms);
            }
            out.println(line);
        }
    }

    /** The steps after the warm-up. */
    private long[] timed(long[] all) {
        return Arrays.copyOfRange(all, warmup, all.length);
    }

    private static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    /** The nearest-rank percentile: the smallest value with at least {@code percent}% of the values at or below it. */
    static long percentile(long[] values, double percent) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percent / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
