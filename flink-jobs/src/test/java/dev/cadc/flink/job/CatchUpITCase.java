package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.testing.KafkaBrokerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The catching-up mode on a real broker and MiniCluster (docs/job.md, "Checkpoints while catching up"):
 * a live job started on a topic that holds a run stamped an hour ago checkpoints at the backlog interval
 * (5 minutes here, so not at all) while it reads and curates that run, and at its normal interval (100
 * ms) once its readers have had nothing to read for {@code source-idle-ms}; the curriculum is the batch
 * reference's either way. A bounded job with the same settings passes every record on and ends with the
 * batch reference's curriculum, well inside the backlog interval. (Flink 2.2 does not hold a bounded
 * job's final checkpoint to that interval even if the backlog never ended: removing the enumerator's end
 * of the backlog leaves that test green. It guards against a Flink that would, and against a wrapper
 * that loses records.)
 */
class CatchUpITCase extends FaultTestBase {

    private static final long BACKLOG_MS = 300_000;
    /** The lag: long enough that the run is curated before the readers' quiet time ends the catch-up. */
    private static final long LAG_MS = 15_000;
    private static final Duration WATCH = Duration.ofSeconds(3);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(CurationJobTestBase.SLOTS)
            .build());

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    @Timeout(180)
    void aLiveJobCatchingUpOnAnHourOldRunCheckpointsOnlyOnceItHasCaughtUp(@InjectMiniCluster MiniCluster miniCluster) throws Exception {
        PlantedSketches.PlantedSet set = CurationJobTestBase.planted("catch-up", 41);
        String run = set.config().runId();
        String topic = "sketches-catch-up";

        JobConfig config = jobConfig(KAFKA.bootstrapServers(), topic, Map.of("bounded", "false", "checkpoint-interval-ms", "100",
                "backlog-checkpoint-interval-ms", Long.toString(BACKLOG_MS), "source-idle-ms", Long.toString(LAG_MS)));
        JobClient job = startOnAnHourOldRun(config, set, "sketches-staging-live");
        try {
            long lastVersion = set.config().checkpoints() - 1;
            waitForUncommittedVersion(run, lastVersion);
            long atLastVersion = completedCheckpoints(miniCluster, job);
            // Watched for 3 s (the readers' quiet time, 15 s, has not run out): still in catch-up, nothing commits.
            Instant watchUntil = Instant.now().plus(WATCH);
            List<Curriculum> visibleThen = List.of();
            long whileCatchingUp = atLastVersion;
            while (visibleThen.isEmpty() && Instant.now().isBefore(watchUntil)) {
                visibleThen = committedCurricula(KAFKA.clientConfig(), run);
                whileCatchingUp = completedCheckpoints(miniCluster, job);
            }

            Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
            List<Curriculum> committed = visibleThen;
            while (committed.stream().noneMatch(c -> c.version() == lastVersion) && Instant.now().isBefore(deadline)) {
                committed = committedCurricula(KAFKA.clientConfig(), run);
            }
            long afterwards = completedCheckpoints(miniCluster, job);
            report("catching up: %d checkpoints completed when the last version was written, %d %s later, %d once it was visible",
                    atLastVersion, whileCatchingUp, WATCH, afterwards);

            assertThat(atLastVersion).as("checkpoints completed while the job read and curated the hour-old run (at most the"
                    + " one Flink may take as the job starts)").isLessThanOrEqualTo(1);
            assertThat(whileCatchingUp).as("checkpoints completed in the %s after the last version was written", WATCH)
                    .isEqualTo(atLastVersion);
            assertThat(visibleThen).as("nothing of the run is committed while it catches up").isEmpty();
            assertThat(committed).as("committed within 90 s: only the end of the catch-up allows that")
                    .extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
            assertThat(afterwards).isGreaterThanOrEqualTo(whileCatchingUp + 1);
            assertThat(committed.get(committed.size() - 1))
                    .isEqualTo(CurriculumJson.toCurriculum(CurationJobTestBase.batchCurate(config, set)));
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(120)
    void aBoundedJobCatchingUpCuratesAsTheBatchReferenceAndEnds() throws Exception {
        PlantedSketches.PlantedSet set = CurationJobTestBase.planted("catch-up-bounded", 43);
        String run = set.config().runId();
        String topic = "sketches-catch-up-bounded";

        JobConfig config = jobConfig(KAFKA.bootstrapServers(), topic, Map.of("bounded", "true",
                "backlog-checkpoint-interval-ms", Long.toString(BACKLOG_MS), "source-idle-ms", Long.toString(LAG_MS)));
        JobClient job = startOnAnHourOldRun(config, set, "sketches-staging-bounded");
        // Held up by a checkpoint at the backlog interval, it would take 5 minutes, past the test's timeout.
        // (Flink 2.2 does not hold it up, whatever the wrapper reports: see the class comment.)
        assertThat(job.getJobExecutionResult().get(100, TimeUnit.SECONDS)).isNotNull();
        assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS)).isEqualTo(JobStatus.FINISHED);

        List<Curriculum> committed = committedCurricula(KAFKA.clientConfig(), run);
        assertThat(committed).extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
        assertThat(committed.get(3)).isEqualTo(CurriculumJson.toCurriculum(CurationJobTestBase.batchCurate(config, set)));
    }

    /** Fills the job's topic with {@code set}'s run stamped an hour ago ({@link #copyStampedAnHourAgo}), then starts the job on it. */
    private static JobClient startOnAnHourOldRun(JobConfig config, PlantedSketches.PlantedSet set, String staging) throws Exception {
        StreamExecutionEnvironment env = environment(config, 0, Duration.ofSeconds(1));
        KafkaConnectors.createTopics(config);
        copyStampedAnHourAgo(set, staging, config.sketchesTopic);
        CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);
        return env.executeAsync("cadc-catch-up-" + config.sketchesTopic);
    }

    /**
     * Publishes the whole run (run-start, rows, checkpoint-completes) to {@code staging}, then copies every
     * record to {@code topic} (made like it), partition by partition in order, stamped an hour ago.
     */
    private static void copyStampedAnHourAgo(PlantedSketches.PlantedSet set, String staging, String topic) throws Exception {
        publisher(KAFKA.clientConfig(), topic).close(); // creates the topic as the sketches topic is made
        try (var publisher = publisher(KAFKA.clientConfig(), staging)) {
            startRun(publisher, set);
            publishCheckpoints(publisher, set, 0, set.config().checkpoints() - 1);
        }
        Map<String, Object> consumerConfig = new HashMap<>(KAFKA.clientConfig());
        consumerConfig.put("isolation.level", "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(staging).stream()
                    .map(info -> new TopicPartition(staging, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long hourAgo = System.currentTimeMillis() - 3_600_000;
            int copied = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    producer.send(new ProducerRecord<>(topic, record.partition(), hourAgo + copied++, record.key(), record.value(),
                            record.headers()));
                }
            }
            producer.flush();
            assertThat(copied).as("records copied from %s", staging).isGreaterThan(set.config().checkpoints());
        }
    }

    /** Waits until the job has written {@code version} of {@code run}, committed or not (read_uncommitted). */
    private static void waitForUncommittedVersion(String run, long version) {
        Map<String, Object> consumerConfig = new HashMap<>(KAFKA.clientConfig());
        consumerConfig.put("isolation.level", "read_uncommitted");
        byte[] key = run.getBytes(StandardCharsets.UTF_8);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            while (partitions.isEmpty() && Instant.now().isBefore(deadline)) {
                consumer.partitionsFor(CadcTopics.CURRICULUM).forEach(info -> partitions.add(new TopicPartition(CadcTopics.CURRICULUM, info.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (Arrays.equals(record.key(), key) && CurriculumCodec.decode(record.value(), run).version() == version) {
                        return;
                    }
                }
            }
        }
        throw new AssertionError("the job did not write version " + version + " of " + run + " within 90 s");
    }

    private static long completedCheckpoints(MiniCluster miniCluster, JobClient job) throws Exception {
        return miniCluster.getExecutionGraph(job.getJobID()).get(10, TimeUnit.SECONDS)
                .getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
    }
}
