package dev.cadc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cadc.core.format.SketchStreamWriter;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cadc sketches}: tools for sketch files. */
@Command(
        name = "sketches",
        mixinStandardHelpOptions = true,
        header = "Sketch files: 'synth' writes a planted set, 'publish' replays one.",
        subcommands = {SketchesCommand.Synth.class, SketchesCommand.Publish.class})
final class SketchesCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code cadc sketches synth}: a planted sketch set with its truth. */
    @Command(
            name = "synth",
            mixinStandardHelpOptions = true,
            header = "Write a planted sketch set (known capabilities, helpful, harmful, irrelevant, duplicates).",
            description = {
                "K capability directions drift across checkpoints; probes sit around them; helpful pool samples align",
                "with a capability and one of its probes, harmful ones are anti-aligned, irrelevant ones point anywhere,",
                "duplicates are near-exact copies of helpful ones. Written as one Arrow IPC stream in the cadc.sketches",
                "schema, batch by batch (any size fits in memory). --truth writes which sample is which."
            },
            sortOptions = false)
    static final class Synth implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The Arrow IPC stream file to write.")
        Path out;

        @Option(names = "--truth", paramLabel = "FILE", description = "Also write the planted truth as JSON.")
        Path truth;

        @Option(names = "--run", defaultValue = "synth", description = "Run id (default ${DEFAULT-VALUE}).")
        String runId;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of everything drawn (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--capabilities", defaultValue = "5", description = "K planted capabilities (default ${DEFAULT-VALUE}).")
        int capabilities;

        @Option(names = "--dim", defaultValue = "256", description = "Sketch dimension k (default ${DEFAULT-VALUE}).")
        int dim;

        @Option(names = "--checkpoints", defaultValue = "4", description = "Checkpoints 0..J-1 (default ${DEFAULT-VALUE}).")
        int checkpoints;

        @Option(names = "--probes-per-capability", defaultValue = "24", description = "Default ${DEFAULT-VALUE}.")
        int probesPerCapability;

        @Option(names = "--helpful-per-capability", defaultValue = "120", description = "Default ${DEFAULT-VALUE}.")
        int helpfulPerCapability;

        @Option(names = "--harmful", defaultValue = "0.25", description = "Harmful samples per helpful one (default ${DEFAULT-VALUE}).")
        double harmful;

        @Option(names = "--irrelevant", defaultValue = "0.25", description = "Irrelevant samples per helpful one (default ${DEFAULT-VALUE}).")
        double irrelevant;

        @Option(names = "--duplicates", defaultValue = "0.2", description = "Near-duplicates per helpful one (default ${DEFAULT-VALUE}).")
        double duplicates;

        @Option(names = "--noise", defaultValue = "0.5", description = "Noise norm relative to the signal (default ${DEFAULT-VALUE}).")
        double noise;

        @Option(names = "--drift", defaultValue = "0.3", description = "Capability drift per checkpoint (default ${DEFAULT-VALUE}).")
        double drift;

        @Option(names = "--train-steps", defaultValue = "0", description = "TRAIN rows per checkpoint window (default ${DEFAULT-VALUE}).")
        int trainSteps;

        @Option(names = "--projection-seed", defaultValue = "42", description = "Projection seed in the metadata (default ${DEFAULT-VALUE}).")
        long projectionSeed;

        @Override
        public Integer call() throws IOException {
            PlantedConfig config = new PlantedConfig(runId, seed, capabilities, dim, checkpoints, probesPerCapability,
                    helpfulPerCapability, harmful, irrelevant, duplicates, noise, drift, projectionSeed, trainSteps);
            Path absolute = out.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            long[] rows = {0};
            PlantedSketches.PlantedSet set;
            try (SketchStreamWriter writer = SketchStreamWriter.create(absolute,
                    new dev.cadc.core.sketch.ProjectionSpec(dim, projectionSeed, dev.cadc.core.sketch.ProjectionKind.KRONECKER))) {
                set = PlantedSketches.emitTo(config, batch -> {
                    writer.write(batch);
                    rows[0] += batch.rowCount();
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (truth != null) {
                writeTruth(set, truth);
            }
            var stdout = spec.commandLine().getOut();
            stdout.printf("wrote %d rows of run %s to %s: %d probes, %d pool samples (%d helpful, %d harmful, %d irrelevant, %d duplicates), k=%d, %d checkpoints%n",
                    rows[0], runId, out, set.probeIds().length, set.pool().size(),
                    set.idsOf(PlantedSketches.Kind.HELPFUL).length, set.idsOf(PlantedSketches.Kind.HARMFUL).length,
                    set.idsOf(PlantedSketches.Kind.IRRELEVANT).length, set.idsOf(PlantedSketches.Kind.DUPLICATE).length,
                    dim, checkpoints);
            stdout.flush();
            return 0;
        }

        private static void writeTruth(PlantedSketches.PlantedSet set, Path path) throws IOException {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = mapper.createObjectNode();
            ObjectNode probes = root.putObject("probe_capability");
            for (int p = 0; p < set.probeIds().length; p++) {
                probes.put(Long.toString(set.probeIds()[p]), set.probeCapability()[p]);
            }
            ObjectNode pool = root.putObject("pool");
            set.pool().values().stream().sorted(Comparator.comparingLong(PlantedSketches.PlantedSample::id)).forEach(sample -> {
                ObjectNode node = pool.putObject(Long.toString(sample.id()));
                node.put("kind", sample.kind().name().toLowerCase(java.util.Locale.ROOT));
                node.put("capability", sample.capability());
            });
            Files.writeString(path, mapper.writeValueAsString(root) + "\n");
        }
    }

    /** {@code cadc sketches publish}: a sketch stream file replayed to {@code cadc.sketches}. */
    @Command(
            name = "publish",
            mixinStandardHelpOptions = true,
            header = "Replay a sketch stream file to cadc.sketches with the wire contract's control records.",
            description = {
                "For each run in the file (or the one --run names): a run-start record (the projection from the file's",
                "metadata), every sketch row, spread over the topic's partitions by sample id, a checkpoint-complete",
                "record per checkpoint (counting its POOL and PROBE rows) and a run-end record. For backfills from",
                "files and for benchmarks; the job then curates the run as if a trainer had published it."
            },
            sortOptions = false)
    static final class Publish implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The Arrow IPC stream file of sketches.")
        Path file;

        @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
        String bootstrap;

        @Option(names = "--run", paramLabel = "ID", description = "Publish only this run (default: every run in the file).")
        String runId;

        @Option(names = "--topic", defaultValue = dev.cadc.core.topic.CadcTopics.SKETCHES, description = "Topic (default ${DEFAULT-VALUE}).")
        String topic;

        @Option(names = "--influence-source", defaultValue = "pool", paramLabel = "pool|train",
                description = "The run-start's influence source (default ${DEFAULT-VALUE}).")
        String influenceSource;

        @Option(names = "--no-spread", description = "Keep each run in its key's partition instead of spreading rows by sample id.")
        boolean noSpread;

        @picocli.CommandLine.Mixin
        KafkaClientOptions kafka;

        @Override
        public Integer call() throws Exception {
            dev.cadc.core.curriculum.SketchFile sketches = dev.cadc.core.curriculum.SketchFile.open(file);
            java.util.Set<String> runs = sketches.runIds();
            if (runId != null && !runs.contains(runId)) {
                throw new IllegalArgumentException("run " + runId + " is not in " + file + "; it holds " + runs);
            }
            dev.cadc.core.format.InfluenceSource source =
                    dev.cadc.core.format.InfluenceSource.fromWireName(influenceSource.toLowerCase(java.util.Locale.ROOT));
            java.util.Map<String, Object> client = kafka.clientConfig(bootstrap);
            java.io.PrintWriter out = spec.commandLine().getOut();
            long started = System.nanoTime();
            try (dev.cadc.client.SketchPublisher publisher = new dev.cadc.client.SketchPublisher(client,
                    dev.cadc.client.SketchPublisher.DEFAULT_MAX_RECORD_BYTES, topic, !noSpread, kafka.topicPrefix)) {
                for (String run : runId == null ? runs : java.util.Set.of(runId)) {
                    Replayed replayed = replay(publisher, sketches, run, source);
                    java.util.TreeSet<Integer> checkpoints = replayed.checkpoints();
                    out.printf(java.util.Locale.ROOT, "published run %s: %d rows, checkpoints %s, over %d partition(s) of %s%n",
                            run, replayed.rows(), checkpoints.isEmpty() ? "none" : "0.." + checkpoints.last(),
                            noSpread ? 1 : publisher.partitionCount(), kafka.topicPrefix + topic);
                    out.flush();
                }
            }
            out.printf(java.util.Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - started) / 1e9);
            out.flush();
            return 0;
        }

        /** What a replay published: its rows and its checkpoints (ascending). */
        record Replayed(long rows, java.util.TreeSet<Integer> checkpoints) {}

        /**
         * Publishes run {@code run} of {@code sketches} as a trainer would have: run-start (the file's
         * projection, {@code source}), every row, a checkpoint-complete per checkpoint, run-end. When the
         * file holds the run's rows in checkpoint order (one read checks), checkpoint j is announced as
         * soon as the first row of a later checkpoint has been sent, as a trainer announces each
         * checkpoint before it moves on, so a job can curate j while later rows are still arriving;
         * otherwise every checkpoint is announced after the last row (an announcement counts the rows
         * sent before it, so none may follow).
         */
        static Replayed replay(dev.cadc.client.SketchPublisher publisher, dev.cadc.core.curriculum.SketchFile sketches,
                String run, dev.cadc.core.format.InfluenceSource source) throws java.io.IOException {
            dev.cadc.core.sketch.ProjectionSpec projection = sketches.projection();
            boolean ordered = inCheckpointOrder(sketches, run);
            publisher.startRun(new dev.cadc.core.format.RunStart(run, projection.sketchDim(), projection.seed(),
                    projection.kind(), source));
            java.util.TreeSet<Integer> checkpoints = new java.util.TreeSet<>();
            java.util.TreeSet<Integer> announced = new java.util.TreeSet<>();
            long[] rows = {0};
            sketches.scan(batch -> {
                if (!batch.runId().equals(run)) {
                    return;
                }
                publisher.publish(batch);
                rows[0] += batch.rowCount();
                int last = -1;
                for (int row = 0; row < batch.rowCount(); row++) {
                    if (batch.checkpoint(row) >= 0) {
                        checkpoints.add(batch.checkpoint(row));
                        last = batch.checkpoint(row);
                    }
                }
                if (ordered && last >= 0) {
                    for (int checkpoint : checkpoints.headSet(last, false)) {
                        if (announced.add(checkpoint)) {
                            publisher.completeCheckpoint(run, checkpoint);
                        }
                    }
                }
            });
            for (int checkpoint : checkpoints) {
                if (announced.add(checkpoint)) {
                    publisher.completeCheckpoint(run, checkpoint);
                }
            }
            publisher.endRun(run, checkpoints.isEmpty() ? -1 : checkpoints.last());
            return new Replayed(rows[0], checkpoints);
        }

        /** Whether the rows of {@code run} with a checkpoint come in non-decreasing checkpoint order. */
        static boolean inCheckpointOrder(dev.cadc.core.curriculum.SketchFile sketches, String run) throws java.io.IOException {
            dev.cadc.core.curriculum.CheckpointOrder order = new dev.cadc.core.curriculum.CheckpointOrder();
            sketches.scan(batch -> {
                if (order.holds() && batch.runId().equals(run)) {
                    for (int row = 0; row < batch.rowCount(); row++) {
                        order.see(batch.checkpoint(row));
                    }
                }
            });
            return order.holds();
        }
    }
}
