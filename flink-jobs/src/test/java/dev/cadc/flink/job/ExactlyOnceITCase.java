package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly-once under failure: the TaskManager running the job is killed mid-stream (after version 1
 * is committed, before the last checkpoints arrive) and a new one started; the job restores from its
 * last Flink checkpoint and finishes. The final curriculum equals the batch reference, and a
 * read_committed consumer sees every version exactly once, in order.
 */
class ExactlyOnceITCase extends CurationJobTestBase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = miniCluster();

    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void aTaskManagerLostMidStreamChangesNothing(@InjectMiniCluster MiniCluster miniCluster) throws Exception {
        String topic = "sketches-exactly-once";
        PlantedSketches.PlantedSet set = planted("survives-failure", 51);
        String run = set.config().runId();
        JobConfig config = JobConfig.of(Map.of(
                "bootstrap", KAFKA.bootstrapServers(),
                "sketches-topic", topic,
                "group-id", "group-" + topic,
                "transactional-id-prefix", "tx-" + topic,
                "parallelism", "2",
                "checkpoint-interval-ms", "300"));
        Configuration configuration = CadcCurationJob.configuration(config);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        KafkaConnectors.createTopics(config);
        CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);

        try (SketchPublisher publisher = new SketchPublisher(Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                        SketchPublisher.DEFAULT_MAX_RECORD_BYTES, topic);
                CurriculumClient client = new CurriculumClient(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            JobClient job = env.executeAsync("cadc-exactly-once");
            publisher.startRun(new RunStart(run, set.projection().sketchDim(), set.projection().seed(),
                    set.projection().kind(), InfluenceSource.POOL));
            publishCheckpoints(publisher, set, 0, 1);
            assertThat(client.awaitNewerThan(run, 0, VERSION_TIMEOUT).version()).isEqualTo(1);

            miniCluster.terminateTaskManager(0).get();
            miniCluster.startTaskManager();

            publishCheckpoints(publisher, set, 2, 3);
            Curriculum finalVersion = client.awaitNewerThan(run, 2, VERSION_TIMEOUT);
            long restartedAt = miniCluster.getExecutionGraph(job.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING);
            job.cancel().get();

            assertThat(restartedAt).as("the job went through a restart").isPositive();
            assertThat(finalVersion).isEqualTo(CurriculumJson.toCurriculum(batchCurate(config, set)));
        }
        List<Curriculum> committed = committedCurricula(run);
        assertThat(committed).extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
    }

    private static void publishCheckpoints(SketchPublisher publisher, PlantedSketches.PlantedSet set, int from, int to) {
        for (SketchBatch batch : set.batches()) {
            if (batch.checkpoint(0) >= from && batch.checkpoint(0) <= to) {
                publisher.publish(batch);
            }
        }
        for (int checkpoint = from; checkpoint <= to; checkpoint++) {
            publisher.completeCheckpoint(set.config().runId(), checkpoint);
        }
    }
}
