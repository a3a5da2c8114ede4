package dev.cadc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.InfluenceTable;
import dev.cadc.core.curriculum.SketchFile;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.SketchStreamWriter;
import dev.cadc.core.math.DotKernels;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.testing.EmbeddedKafkaBroker;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cadc bench}: benchmarks that print their figures side by side (not tests). */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        header = "Benchmarks: 'pipeline' times Kafka, the job, curate and NumPy.",
        subcommands = {BenchCommand.Pipeline.class, BenchTrainerCommand.class})
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code cadc bench pipeline}. */
    @Command(
            name = "pipeline",
            mixinStandardHelpOptions = true,
            header = "Measure the whole pipeline on one planted sketch set, each stage beside its alternative.",
            description = {
                "Writes a planted sketch set, starts a local broker, publishes the set (spread over partitions, with",
                "control records), then measures in this one process: (a) a plain Kafka consumer that reads and decodes",
                "every record (the I/O limit), (b) the job from earliest to its last curriculum at each --parallelism,",
                "(c) cadc curate on the file, (d) NumPy computing the same influence matrix (Debian's /usr/bin/python3,",
                "checked against Java's to 1e-4; skipped with a message when numpy is missing), (e) curriculum",
                "freshness: the job unbounded on an empty topic at the largest --parallelism while the set is published",
                "checkpoint by checkpoint; for each checkpoint, the time from sending its checkpoint-complete to a",
                "read_committed consumer of the curriculum topic seeing its version (p50, p99 against the checkpoint",
                "interval + 1 s); once the last version is out, before the run-end, the live job's whole state as a",
                "canonical savepoint (every key and value once, the same for both backends) per pool sample, against",
                "the bound 8 P + 4 J k + 256 bytes. Prints rows/s, wall time and the process's peak RSS during each stage,",
                "the ratios, and the job's peak checkpointed state per pool sample (on RocksDB also its peak live state,",
                "RocksDB's own estimate). Default size: 100,000 pool samples x 4 checkpoints",
                "x k = 1024, 512 probes. --skip leaves stages out (e.g. --skip consumer,curate,numpy,freshness for a",
                "large --state-backend rocksdb run of the job alone). The bench's jobs allow a checkpoint 3 hours and tolerate",
                "expired ones (the job's Kafka transactions still expire after 10 minutes)."
            },
            sortOptions = false)
    static final class Pipeline implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--pool", defaultValue = "100000", description = "Pool samples, about (default ${DEFAULT-VALUE}).")
        int pool;

        @Option(names = "--probes", defaultValue = "512", description = "Probes, a multiple of 32 (default ${DEFAULT-VALUE}).")
        int probes;

        @Option(names = "--checkpoints", defaultValue = "4", description = "Checkpoints (default ${DEFAULT-VALUE}).")
        int checkpoints;

        @Option(names = "--dim", defaultValue = "1024", description = "Sketch dimension k (default ${DEFAULT-VALUE}).")
        int dim;

        @Option(names = "--parallelism", defaultValue = "1,2", split = ",", paramLabel = "P1,P2,...",
                description = "Job parallelisms to measure (default ${DEFAULT-VALUE}).")
        List<Integer> parallelisms;

        @Option(names = "--rounds", defaultValue = "1",
                description = "Run the jobs this many times, parallelisms in turn; ratios use the last round (the first pays for JIT warm-up) (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--quick", description = "A small set (10,000 pool, 128 probes, k = 256) for a quick look.")
        boolean quick;

        @Option(names = "--dir", paramLabel = "DIR", description = "Work directory (default: a temporary one, deleted).")
        Path dir;

        @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
        Path json;

        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with numpy (default ${DEFAULT-VALUE}).")
        String python;

        @Option(names = "--state-backend", defaultValue = "hashmap", paramLabel = "BACKEND",
                description = "The job's keyed state backend: hashmap (heap) or rocksdb (on local disk, incremental checkpoints) (default ${DEFAULT-VALUE}).")
        String stateBackend;

        @Option(names = "--checkpoint-interval-ms", defaultValue = "2000", paramLabel = "MS",
                description = "The job's Flink checkpoint interval; the freshness target is this + 1 s (default ${DEFAULT-VALUE}).")
        long checkpointIntervalMs;

        @Option(names = "--backlog-checkpoint-interval-ms", paramLabel = "MS",
                description = "The job's checkpoint interval while it catches up (its backlog-checkpoint-interval-ms; default: the job's,"
                        + " 30000, or --checkpoint-interval-ms when that is larger; equal to --checkpoint-interval-ms: no catching-up mode).")
        Long backlogCheckpointIntervalMs;

        @Option(names = "--skip", split = ",", paramLabel = "STAGE,...",
                description = "Stages to leave out: consumer, job, freshness, curate, numpy (publish always runs; without curate the"
                        + " jobs' final curricula are not compared, and NumPy, checked against curate's matrix, is skipped too).")
        List<String> skip = new ArrayList<>();

        @Option(names = "--no-freshness", description = "Same as --skip freshness.")
        boolean noFreshness;

        @Option(names = "--freshness-timeout", defaultValue = "600", paramLabel = "SECONDS",
                description = "The freshness phase waits this long at most for each version, then reports the versions it missed and"
                        + " stops the job (default ${DEFAULT-VALUE}).")
        long freshnessTimeoutSeconds;

        static final List<String> STAGES = List.of("consumer", "job", "freshness", "curate", "numpy");

        private final Map<String, ObjectNode> figures = new LinkedHashMap<>();
        private final Map<String, dev.cadc.core.format.Curriculum> finals = new LinkedHashMap<>();
        private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

        @Override
        public Integer call() throws Exception {
            if (quick) {
                pool = 10_000;
                probes = 128;
                dim = 256;
            }
            if (probes < 32 || probes % 32 != 0 || pool < 100 || dim < 2 || checkpoints < 1 || rounds < 1 || parallelisms.isEmpty()
                    || parallelisms.stream().anyMatch(p -> p < 1)) {
                throw new IllegalArgumentException("--probes must be a multiple of 32, --pool >= 100, --dim >= 2, --checkpoints,"
                        + " --rounds and every --parallelism >= 1");
            }
            if (!stateBackend.equals("hashmap") && !stateBackend.equals("rocksdb")) {
                throw new IllegalArgumentException("--state-backend must be hashmap or rocksdb, got '" + stateBackend + "'");
            }
            if (checkpointIntervalMs < 100 || freshnessTimeoutSeconds < 1) {
                throw new IllegalArgumentException("--checkpoint-interval-ms must be >= 100 and --freshness-timeout >= 1");
            }
            for (String stage : skip) {
                if (!STAGES.contains(stage)) {
                    throw new IllegalArgumentException("--skip takes " + String.join(", ", STAGES) + "; got '" + stage + "'");
                }
            }
            if (noFreshness && !skip.contains("freshness")) {
                skip.add("freshness");
            }
            PrintWriter out = spec.commandLine().getOut();
            // A temporary directory goes away at exit even when the bench is stopped by a signal.
            Path work = dir == null ? dev.cadc.testing.TemporaryDirectories.create("cadc-bench-") : Files.createDirectories(dir);
            try {
                run(work, out);
            } finally {
                if (dir == null) {
                    dev.cadc.testing.TemporaryDirectories.delete(work);
                }
            }
            return 0;
        }

        private void run(Path work, PrintWriter out) throws Exception {
            int capabilities = probes / 32;
            int helpful = (int) Math.ceil(pool / (capabilities * 1.7));
            PlantedConfig config = new PlantedConfig("bench", 7, capabilities, dim, checkpoints, 32, helpful, 0.25, 0.25, 0.2,
                    0.5, 0.3, 42L, 0);
            Path file = work.resolve("sketches.arrows");
            long rows = writeSet(config, file, work);
            SketchFile sketches = SketchFile.open(file);
            out.printf(Locale.ROOT, "set: %d rows (k = %d, %d checkpoints, %d probes, about %d pool samples), kernel %s, %d cores,"
                    + " state backend %s%s%n", rows, dim, checkpoints, probes, pool, DotKernels.name(),
                    Runtime.getRuntime().availableProcessors(), stateBackend, skip.isEmpty() ? "" : ", skipping " + String.join(", ", skip));
            out.flush();

            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
                String topic = "bench.sketches";
                Stage publish = Stage.start();
                int partitions = publish(broker.bootstrapServers(), topic, sketches);
                record(out, "publish (SketchPublisher, " + partitions + " partitions)", publish.stop(), rows);

                if (!skip.contains("consumer")) {
                    Stage consume = Stage.start();
                    long consumed = consumeAndDecode(broker.bootstrapServers(), topic);
                    record(out, "Kafka consumer: read + Arrow decode", consume.stop(), consumed);
                }

                for (int round = 1; round <= (skip.contains("job") ? 0 : rounds); round++) {
                    for (int parallelism : parallelisms) {
                        System.gc();
                        Stage job = Stage.start();
                        long[] peaks = runJob(broker.bootstrapServers(), topic, parallelism);
                        long peakState = peaks[0];
                        String name = "job --bounded, parallelism " + parallelism + (stateBackend.equals("hashmap") ? "" : ", " + stateBackend)
                                + (rounds > 1 ? " (round " + round + ")" : "");
                        figures.remove(name);
                        ObjectNode figure = record(out, name, job.stop(), rows);
                        figure.put("peak_checkpoint_state_bytes", peakState);
                        figure.put("state_bytes_per_pool_sample", peakState < 0 ? -1 : (double) peakState / pool);
                        figure.put("peak_live_rocksdb_state_bytes", peaks[1]);
                        figure.put("live_rocksdb_state_bytes_per_pool_sample", peaks[1] < 0 ? -1 : (double) peaks[1] / pool);
                        figure.put("round", round);
                        figure.put("state_backend", stateBackend);
                        finals.put(name, lastCurriculum(broker.bootstrapServers()));
                    }
                }

                if (!skip.contains("freshness")) {
                    System.gc();
                    freshness(broker.bootstrapServers(), sketches, out, rows);
                }
            }

            if (!skip.contains("curate")) {
                curate(sketches, work, out, rows);
            }
            if (!skip.contains("numpy")) {
                numpy(work, out, rows);
            }
            ratios(out);
            if (json != null) {
                ObjectNode root = mapper.createObjectNode();
                root.put("rows", rows);
                root.put("pool", pool);
                root.put("probes", probes);
                root.put("checkpoints", checkpoints);
                root.put("dim", dim);
                root.put("cores", Runtime.getRuntime().availableProcessors());
                root.put("kernel", DotKernels.name());
                root.put("state_backend", stateBackend);
                root.put("checkpoint_interval_ms", checkpointIntervalMs);
                root.put("backlog_checkpoint_interval_ms", backlogIntervalMs());
                ArrayNode skipped = root.putArray("skipped");
                skip.forEach(skipped::add);
                ArrayNode stages = root.putArray("stages");
                figures.values().forEach(stages::add);
                figures.values().stream().filter(f -> f.has("freshness_p99_ms")).findFirst().ifPresent(f -> root.set("freshness", f));
                Files.writeString(json, mapper.writeValueAsString(root) + "\n");
                out.println("wrote " + json);
            }
            out.flush();
        }

        private void curate(SketchFile sketches, Path work, PrintWriter out, long rows) throws IOException {
            System.gc();
            Stage curate = Stage.start();
            Curator.Detailed detailed = new Curator(CuratorConfig.defaults()).curateInDetail(sketches, "bench", dim, InfluenceSource.POOL);
            ObjectNode curateFigure = record(out, "cadc curate (batch, whole curation)", curate.stop(), rows);
            CurationResult result = detailed.result();
            curateFigure.put("selected", result.selected().size());
            Curator.StageTimes times = detailed.analysis().times();
            curateFigure.put("influence_stage_s", times.influenceNanos() / 1e9);
            curateFigure.put("clustering_s", times.clusteringNanos() / 1e9);
            curateFigure.put("scoring_s", times.scoringNanos() / 1e9);
            curateFigure.put("selection_s", detailed.selectNanos() / 1e9);
            out.printf(Locale.ROOT, "  (curate: influence stage %.2f s: both reads of the file and the fold, what NumPy's script computes;"
                    + " clustering %.2f s; scoring %.2f s; selection and staging %.2f s)%n", times.influenceNanos() / 1e9,
                    times.clusteringNanos() / 1e9, times.scoringNanos() / 1e9, detailed.selectNanos() / 1e9);
            writeInfluence(detailed.analysis().influence(), work.resolve("java_influence.f64"));
            dev.cadc.core.format.Curriculum batch = dev.cadc.core.curriculum.CurriculumJson.toCurriculum(result);
            finals.forEach((name, curriculum) -> {
                boolean equal = batch.equals(curriculum);
                figures.get(name).put("equals_curate", equal);
                out.printf(Locale.ROOT, "%s: final curriculum %s cadc curate's%n", name, equal ? "equals" : "DIFFERS FROM");
            });
        }

        /** The set as a sketch stream file, and its POOL and PROBE rows as raw arrays for NumPy. */
        private long writeSet(PlantedConfig config, Path file, Path work) throws IOException {
            long[] rows = {0};
            boolean raws = !skip.contains("numpy");
            try (SketchStreamWriter writer = SketchStreamWriter.create(file,
                    new dev.cadc.core.sketch.ProjectionSpec(dim, 42L, dev.cadc.core.sketch.ProjectionKind.KRONECKER));
                    DataOutputStream meta = new DataOutputStream(raws
                            ? new BufferedOutputStream(Files.newOutputStream(work.resolve("rows.meta")), 1 << 20) : OutputStream.nullOutputStream());
                    OutputStream raw = raws ? new BufferedOutputStream(Files.newOutputStream(work.resolve("rows.f32")), 1 << 20)
                            : OutputStream.nullOutputStream()) {
                ByteBuffer row = ByteBuffer.allocate(dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer numbers = ByteBuffer.allocate(4 * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                PlantedSketches.emitTo(config, batch -> {
                    try {
                        writer.write(batch);
                        for (int r = 0; raws && r < batch.rowCount(); r++) {
                            if (batch.role(r) == Role.TRAIN) {
                                continue;
                            }
                            numbers.clear();
                            numbers.putDouble(batch.role(r) == Role.POOL ? 1 : 2).putDouble(batch.checkpoint(r))
                                    .putDouble(batch.sampleId(r)).putDouble(batch.learningRate(r));
                            meta.write(numbers.array());
                            row.clear();
                            for (float value : batch.sketch(r)) {
                                row.putFloat(value);
                            }
                            raw.write(row.array());
                        }
                        rows[0] += batch.rowCount();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            return rows[0];
        }

        private static int publish(String bootstrap, String topic, SketchFile sketches) throws IOException {
            try (SketchPublisher publisher = new SketchPublisher(Map.of("bootstrap.servers", bootstrap),
                    SketchPublisher.DEFAULT_MAX_RECORD_BYTES, topic)) {
                SketchesCommand.Publish.replay(publisher, sketches, "bench", InfluenceSource.POOL);
                return publisher.partitionCount();
            }
        }

        /** Reads every record of the topic from the earliest offset to the end and decodes every sketch batch. */
        private static long consumeAndDecode(String bootstrap, String topic) {
            Map<String, Object> config = new HashMap<>();
            config.put("bootstrap.servers", bootstrap);
            config.put("isolation.level", "read_committed");
            config.put("max.partition.fetch.bytes", 16 * 1024 * 1024);
            config.put("enable.auto.commit", false);
            long rows = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(info -> new TopicPartition(topic, info.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
                while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the consumer did not reach the end of " + topic + " within 10 minutes");
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (record.headers().lastHeader("cadc-record-type") == null) {
                            rows += SketchCodec.decode(record.value()).rowCount();
                        }
                    }
                }
            }
            return rows;
        }

        /** The newest curriculum record of run "bench" on the curriculum topic (the last job's final version). */
        private static dev.cadc.core.format.Curriculum lastCurriculum(String bootstrap) throws Exception {
            dev.cadc.core.format.Curriculum[] last = {null};
            try (dev.cadc.client.TopicReader reader = new dev.cadc.client.TopicReader(Map.of("bootstrap.servers", bootstrap),
                    dev.cadc.core.topic.CadcTopics.CURRICULUM)) {
                if (!reader.readToEnd(Duration.ofMinutes(2), record -> {
                    if (record.key() != null && "bench".equals(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8))) {
                        last[0] = dev.cadc.core.format.CurriculumCodec.decode(record.value(), "bench");
                    }
                })) {
                    throw new IllegalStateException("could not read " + dev.cadc.core.topic.CadcTopics.CURRICULUM + " to its end");
                }
            }
            return last[0];
        }

        /** The job's configuration for this bench: its own group and transactional ids, the bench's backend and interval. */
        private JobConfig jobConfig(String bootstrap, String topic, int parallelism, boolean bounded) {
            String suffix = parallelism + "-" + System.nanoTime();
            Map<String, String> values = checkpointing();
            values.putAll(Map.of("bootstrap", bootstrap, "sketches-topic", topic, "bounded", Boolean.toString(bounded),
                    "parallelism", Integer.toString(parallelism), "group-id", "bench-" + suffix,
                    "transactional-id-prefix", "bench-" + suffix, "state-backend", stateBackend));
            return JobConfig.of(values);
        }

        /** The bench's checkpoint intervals as job parameters (the backlog's only when given: else the job's own rule). */
        private Map<String, String> checkpointing() {
            Map<String, String> values = new LinkedHashMap<>(Map.of("checkpoint-interval-ms", Long.toString(checkpointIntervalMs)));
            if (backlogCheckpointIntervalMs != null) {
                values.put("backlog-checkpoint-interval-ms", Long.toString(backlogCheckpointIntervalMs));
            }
            return values;
        }

        /** The backlog interval the bench's jobs run with, as the job's configuration resolves it. */
        private long backlogIntervalMs() {
            return JobConfig.of(checkpointing()).backlogCheckpointIntervalMs;
        }

        /**
         * The bench's Flink settings over the job's: a checkpoint may take {@link #CHECKPOINT_TIMEOUT} and
         * expired ones are tolerated. A replay folds every bucket's versions at one watermark advance, which
         * holds SampleInfluence's mailbox (aligned checkpoints wait for it); at 1,000,000 samples on RocksDB
         * that took longer than Flink's 10-minute default, the checkpoint expired, and the job restarted from
         * the previous one, again and again.
         */
        static void benchCheckpointing(org.apache.flink.configuration.Configuration configuration) {
            configuration.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_TIMEOUT, CHECKPOINT_TIMEOUT);
            configuration.set(org.apache.flink.configuration.CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 1000);
        }

        static final Duration CHECKPOINT_TIMEOUT = Duration.ofHours(3);

        /**
         * Runs the job bounded; returns its peak checkpointed state and (RocksDB) its peak live keyed
         * state in bytes, each -1 when none was seen.
         */
        private long[] runJob(String bootstrap, String topic, int parallelism) throws Exception {
            JobConfig config = jobConfig(bootstrap, topic, parallelism, true);
            boolean rocksDb = stateBackend.equals("rocksdb");
            try (LocalFlinkJob job = LocalFlinkJob.start(config, 0, configuration -> {
                benchCheckpointing(configuration);
                if (rocksDb) {
                    configuration.set(org.apache.flink.state.rocksdb.RocksDBNativeMetricOptions.ESTIMATE_LIVE_DATA_SIZE, true);
                }
            })) {
                long[] peak = {-1, -1};
                Thread poller = new Thread(() -> {
                    for (long polls = 0; !Thread.currentThread().isInterrupted(); polls++) {
                        peak[0] = Math.max(peak[0], job.latestCheckpointStateBytes());
                        if (rocksDb && polls % 4 == 0) {
                            peak[1] = Math.max(peak[1], job.liveRocksDbStateBytes());
                        }
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "bench-state-poller");
                poller.setDaemon(true);
                poller.start();
                var result = job.awaitResult();
                poller.interrupt();
                poller.join(5_000);
                if (!result.isSuccess()) {
                    throw new IllegalStateException("the job failed: " + result.getSerializedThrowable()
                            .map(t -> t.getFullStringifiedStackTrace().lines().findFirst().orElse("?")).orElse("?"));
                }
                return peak;
            }
        }

        private static void writeInfluence(InfluenceTable table, Path path) throws IOException {
            try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
                ByteBuffer row = null;
                for (int i = 0; i < table.sampleCount(); i++) {
                    double[] values = table.row(i);
                    if (row == null) {
                        row = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    row.clear();
                    for (double value : values) {
                        row.putDouble(value);
                    }
                    raw.write(row.array());
                }
            }
        }

        private void numpy(Path work, PrintWriter out, long rows) throws Exception {
            if (!Files.exists(work.resolve("java_influence.f64"))) {
                out.println("numpy: skipped (it is checked against cadc curate's influence matrix, and curate was skipped)");
                return;
            }
            Path script = work.resolve("influence_numpy.py");
            try (InputStream in = BenchCommand.class.getResourceAsStream("/bench/influence_numpy.py")) {
                Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            ProcessBuilder builder = new ProcessBuilder(python, "-c", "import numpy");
            if (!Files.isExecutable(Path.of(python)) || builder.start().waitFor() != 0) {
                out.println("numpy: skipped (" + python + " has no numpy; install python3-numpy and libopenblas0-pthread)");
                return;
            }
            Stage stage = Stage.start();
            Process process = new ProcessBuilder(python, script.toString(), work.toString(), Integer.toString(dim))
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int exit = process.waitFor();
            Stage.Measured measured = stage.stop();
            String last = output.lines().reduce((a, b) -> b).orElse("");
            if (exit != 0 && !last.startsWith("{")) {
                throw new IllegalStateException("the NumPy script failed: " + output);
            }
            var parsed = mapper.readTree(last);
            if (exit != 0) {
                throw new IllegalStateException("NumPy's influence matrix differs from Java's: max relative difference "
                        + parsed.get("max_relative_difference").asDouble());
            }
            // The JVM's CPU figure leaves the child out: the stage's CPU is Python's own and the JVM's meanwhile.
            double cpu = parsed.path("cpu_s").asDouble(-1);
            if (cpu >= 0) {
                measured = new Stage.Measured(measured.seconds(), measured.peakRssBytes(),
                        cpu + Math.max(0, measured.cpuSeconds()));
            }
            ObjectNode figure = record(out, "NumPy influence matrix, load + compute", measured, rows);
            figure.put("load_s", parsed.get("load_s").asDouble());
            figure.put("compute_s", parsed.get("compute_s").asDouble());
            figure.put("max_relative_difference", parsed.get("max_relative_difference").asDouble());
            out.printf(Locale.ROOT, "  (NumPy: load %.1f s, compute %.1f s, max relative difference to Java %.2e; RSS is Java's, not Python's)%n",
                    parsed.get("load_s").asDouble(), parsed.get("compute_s").asDouble(), parsed.get("max_relative_difference").asDouble());
        }

        private ObjectNode record(PrintWriter out, String name, Stage.Measured measured, long rows) {
            ObjectNode figure = mapper.createObjectNode();
            figure.put("stage", name);
            figure.put("wall_s", measured.seconds());
            figure.put("rows_per_s", rows / measured.seconds());
            figure.put("peak_rss_bytes", measured.peakRssBytes());
            figure.put("process_cpu_s", measured.cpuSeconds());
            figures.put(name, figure);
            out.printf(Locale.ROOT, "%-48s %8.1f s %10.0f rows/s   peak RSS %s   CPU %s%n", name, measured.seconds(), rows / measured.seconds(),
                    measured.peakRssBytes() < 0 ? "?" : String.format(Locale.ROOT, "%.2f GiB", measured.peakRssBytes() / (double) (1L << 30)),
                    measured.cpuSeconds() < 0 ? "?" : String.format(Locale.ROOT, "%.1f s (%.2f cores)", measured.cpuSeconds(),
                            measured.cpuSeconds() / measured.seconds()));
            out.flush();
            return figure;
        }

        /**
         * Curriculum freshness, live: the job unbounded at the largest parallelism on a topic nothing has been
         * published to; once its first Flink checkpoint has completed (it is running), the set is published
         * checkpoint by checkpoint: the checkpoint's rows, a flush, then its checkpoint-complete (the send time
         * noted), and the next checkpoint's rows only once that version has been seen (a trainer whose checkpoints
         * are further apart than the job's work, so that a version's freshness does not include the backlog of
         * the ones before). A read_committed consumer of the curriculum topic notes when it first sees each
         * version of the run. Bounded: each version is awaited --freshness-timeout at most, then the job is cancelled.
         */
        private void freshness(String bootstrap, SketchFile sketches, PrintWriter out, long rows) throws Exception {
            int parallelism = parallelisms.stream().mapToInt(Integer::intValue).max().orElse(1);
            String topic = "bench.live";
            String run = "bench";
            long timeoutNanos = TimeUnit.SECONDS.toNanos(freshnessTimeoutSeconds);
            Map<Integer, Long> sentAt = new java.util.TreeMap<>();
            Map<Integer, Long> seenAt = new java.util.concurrent.ConcurrentHashMap<>();
            // The version record's Kafka timestamp: when the job's sink wrote it (the producer stamps it at send).
            Map<Integer, Long> writtenAt = new java.util.concurrent.ConcurrentHashMap<>();
            Map<Integer, Long> metricAt = new HashMap<>();
            Map<Integer, Long> rowsFrom = new HashMap<>();
            Stage stage = Stage.start();
            long peakState = -1;
            long savepointBytes = -1;
            int[] published = {0};
            try (SketchPublisher publisher = new SketchPublisher(Map.of("bootstrap.servers", bootstrap),
                    SketchPublisher.DEFAULT_MAX_RECORD_BYTES, topic)) {
                dev.cadc.core.sketch.ProjectionSpec projection = sketches.projection();
                // The run-start creates the topic (as a trainer's would); the job then reads it from its start.
                publisher.startRun(new dev.cadc.core.format.RunStart(run, projection.sketchDim(), projection.seed(),
                        projection.kind(), InfluenceSource.POOL));
                publisher.flush();
                JobConfig config = jobConfig(bootstrap, topic, parallelism, false);
                try (LocalFlinkJob job = LocalFlinkJob.start(config, 0, Pipeline::benchCheckpointing);
                        KafkaConsumer<byte[], byte[]> consumer = curriculumConsumer(bootstrap)) {
                    long startDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                    while (job.latestCheckpointStateBytes() < 0) {
                        if (System.nanoTime() > startDeadline) {
                            throw new IllegalStateException("the live job completed no checkpoint within 5 minutes");
                        }
                        Thread.sleep(100);
                    }
                    Thread watcher = new Thread(() -> watchVersions(consumer, run, seenAt, writtenAt), "bench-freshness-consumer");
                    watcher.setDaemon(true);
                    watcher.start();
                    long[] peak = {-1};
                    int[] current = {-1};
                    boolean[] late = {false};
                    java.util.function.IntConsumer complete = checkpoint -> {
                        publisher.flush();
                        sentAt.put(checkpoint, System.currentTimeMillis());
                        publisher.completeCheckpoint(run, checkpoint);
                        long deadline = System.nanoTime() + timeoutNanos;
                        long nextStatePoll = 0;
                        while (!seenAt.containsKey(checkpoint) && System.nanoTime() < deadline) {
                            if (System.nanoTime() > nextStatePoll) {
                                peak[0] = Math.max(peak[0], job.latestCheckpointStateBytes());
                                nextStatePoll = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                            }
                            try {
                                Thread.sleep(20);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new IllegalStateException("interrupted", e);
                            }
                        }
                        if (!seenAt.containsKey(checkpoint)) {
                            late[0] = true;
                            return;
                        }
                        // The VersionAssembler's own figure for this version (sent, before the sink's commit, minus the
                        // watermark when the version was planned), once its gauges show this version.
                        long metricDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                        while (System.nanoTime() < metricDeadline) {
                            Map<String, String> version = job.metrics(".run." + run + ".curriculumVersion");
                            if (version.values().stream().anyMatch(v -> v.equals(Integer.toString(checkpoint)))) {
                                job.metrics(".run." + run + ".freshnessMs").values().stream().findFirst()
                                        .ifPresent(v -> metricAt.put(checkpoint, Long.parseLong(v)));
                                break;
                            }
                            try {
                                Thread.sleep(250);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new IllegalStateException("interrupted", e);
                            }
                        }
                    };
                    sketches.scan(batch -> {
                        if (late[0] || !batch.runId().equals(run)) {
                            return;
                        }
                        int checkpoint = -1;
                        for (int row = 0; row < batch.rowCount(); row++) {
                            checkpoint = Math.max(checkpoint, batch.checkpoint(row));
                        }
                        if (checkpoint > current[0]) {
                            if (current[0] >= 0) {
                                complete.accept(current[0]);
                                if (late[0]) {
                                    return;
                                }
                            }
                            current[0] = checkpoint;
                            rowsFrom.put(checkpoint, System.currentTimeMillis());
                        }
                        publisher.publish(batch);
                        published[0] += batch.rowCount();
                    });
                    if (!late[0] && current[0] >= 0) {
                        complete.accept(current[0]);
                    }
                    if (!late[0]) {
                        // Every checkpoint folded, the run not ended: each pool sample holds its whole state.
                        savepointBytes = job.canonicalSavepointBytes();
                    }
                    publisher.endRun(run, current[0]);
                    watcher.interrupt();
                    watcher.join(10_000);
                    peakState = Math.max(peak[0], job.latestCheckpointStateBytes());
                }
            }
            Stage.Measured measured = stage.stop();
            String name = "freshness (live job, parallelism " + parallelism + (stateBackend.equals("hashmap") ? "" : ", " + stateBackend) + ")";
            ObjectNode figure = record(out, name, measured, published[0]);
            long target = checkpointIntervalMs + 1000;
            List<Long> latencies = new ArrayList<>();
            ArrayNode versions = figure.putArray("versions");
            sentAt.forEach((checkpoint, sent) -> {
                ObjectNode version = versions.addObject();
                version.put("checkpoint", checkpoint);
                version.put("rows_from_ms", rowsFrom.getOrDefault(checkpoint, -1L));
                version.put("complete_sent_ms", sent);
                Long seen = seenAt.get(checkpoint);
                version.put("seen_ms", seen == null ? -1 : seen);
                version.put("freshness_ms", seen == null ? -1 : seen - sent);
                Long written = writtenAt.get(checkpoint);
                version.put("written_ms", written == null ? -1 : written);
                version.put("built_ms", written == null ? -1 : written - sent);
                version.put("commit_wait_ms", written == null || seen == null ? -1 : seen - written);
                version.put("job_metric_freshness_ms", metricAt.getOrDefault(checkpoint, -1L));
                if (seen != null) {
                    latencies.add(seen - sent);
                }
            });
            List<Long> sorted = latencies.stream().sorted().toList();
            long p50 = percentile(sorted, 50);
            long p99 = percentile(sorted, 99);
            boolean all = sorted.size() == sentAt.size() && !sentAt.isEmpty();
            figure.put("state_backend", stateBackend);
            figure.put("checkpoint_interval_ms", checkpointIntervalMs);
            figure.put("versions_expected", checkpoints);
            figure.put("versions_seen", sorted.size());
            figure.put("freshness_p50_ms", p50);
            figure.put("freshness_p99_ms", p99);
            figure.put("freshness_max_ms", sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1));
            figure.put("target_p99_ms", target);
            figure.put("target_met", all && p99 < target);
            figure.put("peak_checkpoint_state_bytes", peakState);
            figure.put("state_bytes_per_pool_sample", peakState < 0 ? -1 : (double) peakState / pool);
            long bound = 8L * probes + 4L * checkpoints * dim + 256;
            figure.put("canonical_savepoint_bytes", savepointBytes);
            figure.put("canonical_savepoint_bytes_per_pool_sample", savepointBytes < 0 ? -1 : (double) savepointBytes / pool);
            figure.put("state_bound_bytes_per_pool_sample", bound);
            if (savepointBytes >= 0) {
                out.printf(Locale.ROOT, "  whole state after the last version (a canonical savepoint, %s backend): %d bytes, %.0f bytes per pool"
                        + " sample; bound 8 P + 4 J k + 256 = %d bytes: %s%n", stateBackend, savepointBytes, (double) savepointBytes / pool,
                        bound, savepointBytes <= bound * (long) pool ? "met" : "NOT met");
            }
            out.printf(Locale.ROOT, "  freshness (checkpoint-complete sent -> version visible read_committed), %d of %d versions: p50 %d ms,"
                    + " p99 %d ms (nearest rank; with %d versions p99 is the slowest); target p99 < %d ms (interval %d ms + 1 s): %s%n",
                    sorted.size(), checkpoints, p50, p99, sorted.size(), target, checkpointIntervalMs,
                    all && p99 < target ? "met" : (all ? "NOT met" : "NOT met (versions missing within --freshness-timeout)"));
            if (!writtenAt.isEmpty()) {
                out.printf(Locale.ROOT, "  where each version's time went: the job built it and its sink wrote it %s ms after the checkpoint-complete"
                        + " was sent; it became visible %s ms after that (the exactly-once sink commits at the next Flink checkpoint)%n",
                        column(versions, "built_ms"), column(versions, "commit_wait_ms"));
            }
            if (!metricAt.isEmpty()) {
                out.printf(Locale.ROOT, "  the VersionAssembler's run.%s.freshnessMs (version sent, before the sink's commit, minus the watermark"
                        + " when it was planned; -1: no watermark yet) per version: %s ms; measured here: %s ms%n", run,
                        sentAt.keySet().stream().map(c -> Long.toString(metricAt.getOrDefault(c, -1L))).toList(),
                        column(versions, "freshness_ms"));
            }
            out.flush();
        }

        /** One figure of every version, in checkpoint order, "-" where it is missing (-1). */
        private static List<String> column(ArrayNode versions, String field) {
            List<String> values = new ArrayList<>();
            versions.forEach(version -> values.add(version.get(field).asLong() < 0 ? "-" : version.get(field).asText()));
            return values;
        }

        /** Nearest-rank percentile of sorted values; -1 for none. */
        static long percentile(List<Long> sorted, int percent) {
            if (sorted.isEmpty()) {
                return -1;
            }
            int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
            return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
        }

        /** A read_committed consumer of every curriculum partition, positioned at its end (older versions are not this run's). */
        private static KafkaConsumer<byte[], byte[]> curriculumConsumer(String bootstrap) {
            Map<String, Object> config = new HashMap<>();
            config.put("bootstrap.servers", bootstrap);
            config.put("isolation.level", "read_committed");
            config.put("enable.auto.commit", false);
            config.put("max.partition.fetch.bytes", 64 * 1024 * 1024);
            config.put("fetch.max.bytes", 64 * 1024 * 1024);
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            String topic = dev.cadc.core.topic.CadcTopics.CURRICULUM;
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            return consumer;
        }

        /** Notes the wall-clock time each checkpoint's version of {@code run} is first polled, until interrupted. */
        private static void watchVersions(KafkaConsumer<byte[], byte[]> consumer, String run, Map<Integer, Long> seenAt,
                Map<Integer, Long> writtenAt) {
            byte[] key = run.getBytes(StandardCharsets.UTF_8);
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                        long now = System.currentTimeMillis();
                        if (record.key() != null && java.util.Arrays.equals(key, record.key())) {
                            int checkpoint = dev.cadc.core.format.CurriculumCodec.decode(record.value(), run).checkpoint();
                            writtenAt.putIfAbsent(checkpoint, record.timestamp());
                            seenAt.putIfAbsent(checkpoint, now);
                        }
                    }
                } catch (org.apache.kafka.common.errors.InterruptException e) {
                    return;
                }
            }
        }

        private void ratios(PrintWriter out) {
            ObjectNode consumer = figures.values().stream().filter(f -> f.get("stage").asText().startsWith("Kafka consumer")).findFirst().orElse(null);
            ObjectNode numpy = figures.values().stream().filter(f -> f.get("stage").asText().startsWith("NumPy")).findFirst().orElse(null);
            ObjectNode curate = figures.values().stream().filter(f -> f.get("stage").asText().startsWith("cadc curate")).findFirst().orElse(null);
            List<ObjectNode> jobs = new ArrayList<>(figures.values().stream()
                    .filter(f -> f.get("stage").asText().startsWith("job") && f.get("round").asInt() == rounds).toList());
            out.println("ratios (rows/s):");
            for (ObjectNode job : jobs) {
                out.printf(Locale.ROOT, "  %s%s%s%n", job.get("stage").asText(),
                        consumer == null ? "" : String.format(Locale.ROOT, " / consumer: %.3f", job.get("rows_per_s").asDouble() / consumer.get("rows_per_s").asDouble()),
                        numpy == null ? "" : String.format(Locale.ROOT, "; / NumPy: %.3f", job.get("rows_per_s").asDouble() / numpy.get("rows_per_s").asDouble()));
                if (job.get("state_bytes_per_pool_sample").asDouble() >= 0) {
                    out.printf(Locale.ROOT, "    peak checkpointed state %.0f bytes per pool sample (of the checkpoints it took; catching up, it"
                            + " takes few: the whole state is the freshness phase's savepoint figure)%n",
                            job.get("state_bytes_per_pool_sample").asDouble());
                }
                if (job.has("live_rocksdb_state_bytes_per_pool_sample") && job.get("live_rocksdb_state_bytes_per_pool_sample").asDouble() >= 0) {
                    out.printf(Locale.ROOT, "    peak live RocksDB state %.0f bytes per pool sample (RocksDB's estimate of live data)%n",
                            job.get("live_rocksdb_state_bytes_per_pool_sample").asDouble());
                }
            }
            if (jobs.size() >= 2) {
                out.printf(Locale.ROOT, "  speed-up %s over %s: %.2f%n", jobs.get(jobs.size() - 1).get("stage").asText(), jobs.get(0).get("stage").asText(),
                        jobs.get(0).get("wall_s").asDouble() / jobs.get(jobs.size() - 1).get("wall_s").asDouble());
            }
            if (numpy != null && curate != null) {
                out.printf(Locale.ROOT, "  curate / NumPy: %.3f%n", curate.get("rows_per_s").asDouble() / numpy.get("rows_per_s").asDouble());
                if (curate.has("influence_stage_s")) {
                    out.printf(Locale.ROOT, "  the influence matrix alone, curate's influence stage / NumPy's load + compute (rows/s): %.3f%n",
                            (numpy.get("load_s").asDouble() + numpy.get("compute_s").asDouble()) / curate.get("influence_stage_s").asDouble());
                }
            }
        }
    }

    /**
     * A stage's wall time, the process's peak RSS while it ran (Linux: VmHWM, reset at the start) and the
     * CPU time the process used meanwhile (every thread: Flink's, the embedded broker's; not a child
     * process's, such as NumPy's: its script reports its own and the NumPy stage adds it), so a figure says how many cores the stage kept busy.
     */
    record Stage(long startedNanos, long startedCpuNanos) {

        /** @param cpuSeconds the process's CPU time during the stage, or -1 where the JVM cannot tell */
        record Measured(double seconds, long peakRssBytes, double cpuSeconds) {}

        private static long processCpuNanos() {
            return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
        }

        static Stage start() {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            } catch (IOException | UnsupportedOperationException e) {
                // Not Linux, or not allowed: the peak is then the process's since its start.
            }
            return new Stage(System.nanoTime(), processCpuNanos());
        }

        Measured stop() {
            double seconds = (System.nanoTime() - startedNanos) / 1e9;
            long peak = -1;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmHWM:")) {
                        peak = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException e) {
                peak = -1;
            }
            long cpu = processCpuNanos();
            return new Measured(seconds, peak, startedCpuNanos < 0 || cpu < 0 ? -1 : (cpu - startedCpuNanos) / 1e9);
        }
    }
}
