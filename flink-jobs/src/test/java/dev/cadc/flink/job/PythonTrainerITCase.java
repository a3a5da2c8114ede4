package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.client.KafkaTopicAdmin;
import dev.cadc.client.TopicReader;
import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.curriculum.SketchFile;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.core.topic.TopicSpec;
import dev.cadc.flink.config.JobConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with the real broker and the real job: a PyTorch trainer ({@code src/python/tests_e2e/run_trainer.py},
 * Debian's python3) is curated live by the job, running unbounded on a MiniCluster (parallelism 2).
 *
 * <p>The trainer sketches a small MLP with {@code cadc.torch.Sketcher} hooks, publishes TRAIN, POOL and
 * PROBE rows with {@code cadc.SketchPublisher} (spread over the topic's 4 partitions, the default),
 * completes checkpoint 0, waits for curriculum version 0 with {@code CurriculumReader}, trains stage 1
 * from {@code CurriculumSampler}, publishes checkpoint 1, waits for version 1, ..., and ends the run. It
 * writes every row it published to a sketch stream file too, and asserts on its side that each stage drew
 * only samples of the curriculum's stages 1..s.
 *
 * <p>This test then checks that the job's newest committed curriculum (and capabilities) equal the batch
 * reference, {@code cadc curate} ({@link Curator}) on that file, exactly; that every version 0..S was
 * committed once, in order; that the trainer read what the job committed; and that the job released the
 * run: no dead letter of the run, and a record sent after the run-end is a RUN_ENDED dead letter.
 */
class PythonTrainerITCase extends CurationJobTestBase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final String RUN = "pytorch-mlp-e2e";
    private static final String TOPIC = "sketches-python-trainer";
    private static final int SKETCH_DIM = 128;
    private static final long SEED = 7;
    /** Stages trained from curricula; the trainer publishes checkpoints 0..STAGES. */
    private static final int STAGES = 3;
    private static final Duration PYTHON_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration DEAD_LETTER_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPyTorchTrainerCuratedLiveGetsExactlyWhatCadcCurateComputesFromItsRows(@TempDir Path dir) throws Exception {
        JobConfig config = jobConfig(TOPIC, 2, Map.of("bounded", "false", "budget", "0.25", "stages", "3"));
        KafkaTopicAdmin.ensureTopics(Map.of("bootstrap.servers", KAFKA.bootstrapServers()), List.of(new TopicSpec(TOPIC,
                CadcTopics.DEFAULT_SKETCH_PARTITIONS, Map.of("max.message.bytes", String.valueOf(CadcTopics.MAX_MESSAGE_BYTES)))));
        KafkaConnectors.createTopics(config);
        Configuration configuration = CadcCurationJob.configuration(config);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);
        Path sketches = dir.resolve("sketches.arrows");
        Path summaryFile = dir.resolve("summary.json");

        long started = System.nanoTime();
        JobClient job = env.executeAsync("cadc-python-trainer");
        try {
            runTrainer(job, sketches, summaryFile);
            System.out.printf("PythonTrainerITCase: the job and the trainer ran %.1f s%n", (System.nanoTime() - started) / 1e9);

            // The batch reference on the file of every row the trainer published.
            SketchFile file = SketchFile.open(sketches);
            assertThat(file.projection()).isEqualTo(new ProjectionSpec(SKETCH_DIM, SEED, ProjectionKind.KRONECKER));
            assertThat(file.runIds()).containsExactly(RUN);
            CurationResult expected = new Curator(config.curatorConfig()).curate(file, RUN, SKETCH_DIM, InfluenceSource.POOL);
            assertThat(expected.checkpoint()).isEqualTo(STAGES);
            assertThat(expected.selected()).as("a curriculum worth comparing").hasSizeGreaterThan(10);

            List<Curriculum> committed = committedCurricula(RUN);
            assertThat(committed).extracting(Curriculum::version).as("every version committed once, in order")
                    .containsExactlyElementsOf(LongStream.rangeClosed(0, STAGES).boxed().toList());
            Curriculum newest = committed.get(committed.size() - 1);
            assertThat(newest).isEqualTo(CurriculumJson.toCurriculum(expected));
            assertThat(committedCapabilities(RUN).get(committed.size() - 1)).isEqualTo(CurriculumJson.toCapabilities(expected));

            JsonNode summary = JSON.readTree(summaryFile.toFile());
            assertTrainerSawTheJob(summary, newest, committed);
            assertFileHoldsEveryPublishedRow(file, summary);

            // Released: a record after the run-end is refused as RUN_ENDED, and it is the run's only dead letter.
            RecordMetadata late = sendLateTrainRow();
            List<DeadLetter> deadLetters = awaitDeadLetters(RUN);
            assertThat(deadLetters).singleElement().satisfies(letter -> {
                assertThat(letter.reason()).isEqualTo(ReasonCode.RUN_ENDED);
                assertThat(letter.sourceTopic()).isEqualTo(TOPIC);
                assertThat(letter.sourcePartition()).isEqualTo(late.partition());
                assertThat(letter.sourceOffset()).isEqualTo(late.offset());
            });
            assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
        } finally {
            cancel(job);
        }
        System.out.printf("PythonTrainerITCase: %.1f s from the job's start to its cancellation%n", (System.nanoTime() - started) / 1e9);
    }

    /** What the trainer read (its summary) is what the job committed, and each stage used the version before it. */
    private static void assertTrainerSawTheJob(JsonNode summary, Curriculum newest, List<Curriculum> committed) {
        assertThat(summary.get("final_version").asLong()).isEqualTo(STAGES);
        List<Long> used = new ArrayList<>();
        summary.get("versions_used").forEach(v -> used.add(v.asLong()));
        assertThat(used).containsExactlyElementsOf(LongStream.range(0, STAGES).boxed().toList());
        List<CurriculumEntry> read = new ArrayList<>();
        summary.get("final_entries").forEach(e -> read.add(new CurriculumEntry(e.get(0).asLong(), e.get(1).asInt(),
                e.get(2).asInt(), e.get(3).asInt(), e.get(4).asDouble())));
        assertThat(read).as("the Python reader's newest curriculum").isEqualTo(newest.entries());
        // Stage s drew only from stages 1..s of version s - 1 (checked per draw by the trainer; here per stage).
        for (JsonNode stage : summary.get("stage_draws")) {
            Curriculum version = committed.get(stage.get("version").asInt());
            int upTo = stage.get("up_to_stage").asInt();
            List<Long> allowed = version.entries().stream().filter(e -> e.stage() <= upTo).map(CurriculumEntry::sampleId).toList();
            List<Long> drawn = new ArrayList<>();
            stage.get("drawn").forEach(id -> drawn.add(id.asLong()));
            assertThat(drawn).as("stage %s", stage.get("stage")).isNotEmpty().isSubsetOf(allowed);
        }
        assertThat(summary.get("layers").get(0).get("shape").get(1).asInt()).isEqualTo(64);
    }

    /** The file holds exactly the rows the trainer counted: every checkpoint's POOL and PROBE rows and every step's TRAIN rows. */
    private static void assertFileHoldsEveryPublishedRow(SketchFile file, JsonNode summary) throws IOException {
        Map<Role, Long> rows = new HashMap<>();
        Map<Integer, Long> scanRowsByCheckpoint = new HashMap<>();
        file.scan(batch -> {
            for (int row = 0; row < batch.rowCount(); row++) {
                rows.merge(batch.role(row), 1L, Long::sum);
                if (batch.role(row) != Role.TRAIN) {
                    scanRowsByCheckpoint.merge(batch.checkpoint(row), 1L, Long::sum);
                }
            }
        });
        assertThat(rows.get(Role.TRAIN)).isEqualTo(summary.get("rows").get("train").asLong());
        assertThat(rows.get(Role.POOL)).isEqualTo(summary.get("rows").get("pool").asLong());
        assertThat(rows.get(Role.PROBE)).isEqualTo(summary.get("rows").get("probe").asLong());
        assertThat(scanRowsByCheckpoint.keySet()).containsExactlyInAnyOrderElementsOf(
                java.util.stream.IntStream.rangeClosed(0, STAGES).boxed().toList());
        assertThat(scanRowsByCheckpoint.values()).as("the same POOL and PROBE rows at every checkpoint").containsOnly(
                (rows.get(Role.POOL) + rows.get(Role.PROBE)) / (STAGES + 1));
    }

    /** Runs the trainer to its end, failing at once when the job stops meanwhile. */
    private static void runTrainer(JobClient job, Path sketches, Path summary) throws Exception {
        Path root = repositoryRoot();
        Path log = Files.createTempFile("python-trainer", ".log");
        ProcessBuilder builder = new ProcessBuilder(System.getProperty("cadc.python", "/usr/bin/python3"), "-B",
                root.resolve("src/python/tests_e2e/run_trainer.py").toString(),
                "--bootstrap", KAFKA.bootstrapServers(), "--topic", TOPIC, "--run-id", RUN,
                "--out", sketches.toString(), "--summary", summary.toString(),
                "--sketch-dim", Integer.toString(SKETCH_DIM), "--seed", Long.toString(SEED), "--stages", Integer.toString(STAGES))
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("PYTHONPATH", root.resolve("src/python").toString());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        Instant deadline = Instant.now().plus(PYTHON_TIMEOUT);
        String failure = null;
        try {
            while (!process.waitFor(500, TimeUnit.MILLISECONDS)) {
                JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
                if (status.isGloballyTerminalState()) {
                    failure = "the job stopped (" + status + ") while the trainer ran";
                    break;
                }
                if (Instant.now().isAfter(deadline)) {
                    failure = "the trainer did not finish within " + PYTHON_TIMEOUT.toSeconds() + " s";
                    break;
                }
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        String output = Files.readString(log);
        Files.deleteIfExists(log);
        // On stdout rather than through the logger: Flink's test jars bring a log4j2-test.properties that
        // takes precedence over this module's log4j2-test.xml and silences it.
        System.out.print("run_trainer.py:\n" + output);
        assertThat(failure).as("%s; trainer output:%n%s", failure, output).isNull();
        assertThat(process.exitValue()).as("run_trainer.py exit status; output:%n%s", output).isZero();
    }

    /** One more TRAIN row of the run, sent to the run's key partition, after the run-end the trainer sent there. */
    private static RecordMetadata sendLateTrainRow() throws Exception {
        SketchBatch batch = SketchBatch.builder(RUN, new ProjectionSpec(SKETCH_DIM, SEED, ProjectionKind.KRONECKER))
                .add(1_000_000L, STAGES, Role.TRAIN, 10_000L, 0.1f, 1.0f, unitSketch())
                .build();
        byte[] key = RUN.getBytes(StandardCharsets.UTF_8);
        int partition = Utils.toPositive(Utils.murmur2(key)) % CadcTopics.DEFAULT_SKETCH_PARTITIONS;
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(TOPIC, partition, key, SketchCodec.encode(batch));
        record.headers().add(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT.getBytes(StandardCharsets.UTF_8));
        record.headers().add(WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_ARROW.getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            return producer.send(record).get(30, TimeUnit.SECONDS);
        }
    }

    private static float[] unitSketch() {
        float[] sketch = new float[SKETCH_DIM];
        sketch[0] = 1f;
        return sketch;
    }

    /** The run's committed dead letters, once there is at least one (or the deadline passed). */
    private static List<DeadLetter> awaitDeadLetters(String runId) {
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        List<DeadLetter> letters = new ArrayList<>();
        Instant deadline = Instant.now().plus(DEAD_LETTER_TIMEOUT);
        try (TopicReader reader = new TopicReader(Map.of("bootstrap.servers", KAFKA.bootstrapServers()), CadcTopics.DEAD_LETTER)) {
            while (letters.isEmpty() && Instant.now().isBefore(deadline)) {
                reader.poll(Duration.ofMillis(500), (ConsumerRecord<byte[], byte[]> record) -> {
                    if (java.util.Arrays.equals(record.key(), key)) {
                        Map<String, byte[]> headers = new HashMap<>();
                        record.headers().forEach(h -> headers.put(h.key(), h.value()));
                        letters.add(DeadLetter.fromHeaders(headers));
                    }
                });
            }
        }
        assertThat(letters).as("a dead letter of run %s within %s s", runId, DEAD_LETTER_TIMEOUT.toSeconds()).isNotEmpty();
        // Anything the validator dead-lettered for the run before the late record is committed by now too.
        assertThat(deadLetterCount(runId)).isEqualTo(letters.size());
        return letters;
    }

    private static void cancel(JobClient job) throws Exception {
        JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
        if (!status.isGloballyTerminalState()) {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }

    /** The repository root: the directory above this module holding src/python/cadc. */
    private static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().normalize();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isDirectory(candidate.resolve("src/python/cadc"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no src/python/cadc above " + dir);
    }
}
