package dev.cadc.flink.job;

import dev.cadc.client.SketchPublisher;
import dev.cadc.client.TopicReader;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What the fault tests share: an unbounded job at parallelism 2 that checkpoints every 300 ms and
 * restarts a few times (a fault is expected to restart it, but not forever), publishing a planted run
 * checkpoint by checkpoint, and reading what the job committed from any broker or cluster. Each fault
 * test brings its own broker or cluster, so the class broker of {@link CurationJobTestBase} is not used.
 */
abstract class FaultTestBase {

    protected static final int PARALLELISM = 2;
    protected static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    /** The job's settings against {@code bootstrap}: its own sketches topic and transactional ids, unbounded. */
    protected static JobConfig jobConfig(String bootstrap, String sketchesTopic, Map<String, String> more) {
        Map<String, String> values = new HashMap<>(more);
        values.put("bootstrap", bootstrap);
        values.put("sketches-topic", sketchesTopic);
        values.put("group-id", "group-" + sketchesTopic);
        values.put("transactional-id-prefix", "tx-" + sketchesTopic);
        values.put("parallelism", Integer.toString(PARALLELISM));
        values.putIfAbsent("checkpoint-interval-ms", "300");
        return JobConfig.of(values);
    }

    /** The job's Flink environment with a bounded fixed-delay restart strategy. */
    protected static StreamExecutionEnvironment environment(JobConfig config, int restartAttempts, Duration restartDelay) {
        Configuration configuration = CadcCurationJob.configuration(config);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restartAttempts);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, restartDelay);
        return StreamExecutionEnvironment.getExecutionEnvironment(configuration);
    }

    /** A publisher of the run's records to {@code topic}, spread over its partitions. */
    protected static SketchPublisher publisher(Map<String, Object> clientConfig, String topic) {
        return new SketchPublisher(clientConfig, SketchPublisher.DEFAULT_MAX_RECORD_BYTES, topic);
    }

    protected static void startRun(SketchPublisher publisher, PlantedSketches.PlantedSet set) {
        publisher.startRun(new RunStart(set.config().runId(), set.projection().sketchDim(), set.projection().seed(),
                set.projection().kind(), InfluenceSource.POOL));
    }

    /** The rows of checkpoints {@code from..to} in batches of at most {@code rowsPerBatch}, in a seeded order. */
    protected static List<SketchBatch> rows(PlantedSketches.PlantedSet set, int from, int to, int rowsPerBatch, long seed) {
        List<SketchBatch> selected = new ArrayList<>();
        for (SketchBatch batch : set.batches()) {
            if (batch.checkpoint(0) >= from && batch.checkpoint(0) <= to) {
                selected.add(batch);
            }
        }
        return CurationJobTestBase.shuffledRows(selected, seed, rowsPerBatch);
    }

    /** Publishes the rows of checkpoints {@code from..to}, then completes each of them. */
    protected static void publishCheckpoints(SketchPublisher publisher, PlantedSketches.PlantedSet set, int from, int to) {
        rows(set, from, to, 16, from).forEach(publisher::publish);
        completeCheckpoints(publisher, set, from, to);
    }

    protected static void completeCheckpoints(SketchPublisher publisher, PlantedSketches.PlantedSet set, int from, int to) {
        for (int checkpoint = from; checkpoint <= to; checkpoint++) {
            publisher.completeCheckpoint(set.config().runId(), checkpoint);
        }
    }

    /** Every committed ({@code read_committed}) curriculum record of {@code runId}, in topic order. */
    protected static List<Curriculum> committedCurricula(Map<String, Object> clientConfig, String runId) {
        List<Curriculum> curricula = new ArrayList<>();
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        try (TopicReader reader = new TopicReader(clientConfig, CadcTopics.CURRICULUM)) {
            if (!reader.readToEnd(READ_TIMEOUT, record -> {
                if (Arrays.equals(record.key(), key)) {
                    curricula.add(CurriculumCodec.decode(record.value(), runId));
                }
            })) {
                throw new AssertionError("could not read " + CadcTopics.CURRICULUM + " to its end within " + READ_TIMEOUT);
            }
        }
        return curricula;
    }

    /** How many committed dead letters carry {@code runId}'s key. */
    protected static int deadLetters(Map<String, Object> clientConfig, String runId) {
        int[] count = {0};
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        try (TopicReader reader = new TopicReader(clientConfig, CadcTopics.DEAD_LETTER)) {
            if (!reader.readToEnd(READ_TIMEOUT, record -> {
                if (Arrays.equals(record.key(), key)) {
                    count[0]++;
                }
            })) {
                throw new AssertionError("could not read " + CadcTopics.DEAD_LETTER + " to its end within " + READ_TIMEOUT);
            }
        }
        return count[0];
    }

    /** One line for the test's output with what the fault did and took (docs/faults.md quotes these). */
    protected static void report(String format, Object... args) {
        System.out.println("[faults] " + String.format(java.util.Locale.ROOT, format, args));
    }

    /** The repository root: the directory above this module holding src/python/cadc. */
    protected static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().normalize();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isDirectory(candidate.resolve("src/python/cadc"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no src/python/cadc above " + dir);
    }
}
