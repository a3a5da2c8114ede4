package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.testing.LocalKafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Losing a broker: a three-node KRaft cluster, each node its own JVM ({@link LocalKafkaCluster}),
 * topics with three replicas and {@code min.insync.replicas=2}. While the run's rows of checkpoints 2
 * and 3 stream in (spread over the partitions) and while the job commits curricula, the node that leads
 * {@code cadc.curriculum} is killed with SIGKILL. Nothing may change: every version 0..3 is committed
 * once, the final curriculum equals the batch reference on the same rows (so every published row was
 * counted: its pool size is the run's), and both the Java {@link CurriculumClient} and the Python
 * {@code CurriculumReader} (Debian's python3, running throughout) reach the final version.
 */
class BrokerFailoverITCase extends FaultTestBase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = CurationJobTestBase.miniCluster();

    private static final String TOPIC = "sketches-broker-failover";
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalKafkaCluster cluster;
    private static CompletableFuture<String> pythonOutput;

    @BeforeAll
    static void startCluster() {
        long started = System.nanoTime();
        cluster = LocalKafkaCluster.start(3);
        report("three-node cluster (three JVMs) ready in %.1f s at %s", (System.nanoTime() - started) / 1e9, cluster.bootstrapServers());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killingABrokerMidStreamLosesNothing(@InjectMiniCluster MiniCluster miniCluster) throws Exception {
        long started = System.nanoTime();
        PlantedSketches.PlantedSet set = CurationJobTestBase.planted("broker-failover", 73);
        String run = set.config().runId();
        String bootstrap = cluster.bootstrapServers();
        Map<String, Object> client = Map.of("bootstrap.servers", bootstrap);
        JobConfig config = jobConfig(bootstrap, TOPIC, Map.of("replication-factor", "3", "min-insync-replicas", "2"));
        KafkaConnectors.createTopics(config);

        StreamExecutionEnvironment env = environment(config, 10, Duration.ofSeconds(1));
        CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);
        JobClient job = env.executeAsync("cadc-broker-failover");
        Process python = followWithPython(bootstrap, run, 3);
        try (SketchPublisher publisher = publisher(client, TOPIC); CurriculumClient curricula = new CurriculumClient(client)) {
            // The job created its output topics with 3 replicas as configured; the publisher created the
            // sketches topic with the cluster's defaults, which are the same.
            assertReplicated(client, List.of(TOPIC, CadcTopics.CURRICULUM, CadcTopics.CAPABILITIES, CadcTopics.DEAD_LETTER));
            startRun(publisher, set);
            publishCheckpoints(publisher, set, 0, 1);
            assertThat(curricula.awaitNewerThan(run, 0, VERSION_TIMEOUT).version()).isEqualTo(1);

            int victim = leaderOf(client, CadcTopics.CURRICULUM);
            List<SketchBatch> streaming = rows(set, 2, 3, 8, 2);
            CountDownLatch halfway = new CountDownLatch(1);
            CompletableFuture<Void> streamed = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < streaming.size(); i++) {
                    publisher.publish(streaming.get(i));
                    if (i == streaming.size() / 2) {
                        publisher.flush();
                        halfway.countDown();
                    }
                }
                publisher.flush();
            });
            assertThat(halfway.await(60, TimeUnit.SECONDS)).as("half of checkpoints 2-3 published").isTrue();
            cluster.kill(victim);
            long killedAt = System.nanoTime();
            streamed.get(120, TimeUnit.SECONDS);
            completeCheckpoints(publisher, set, 2, 3);

            Curriculum finalVersion = curricula.awaitNewerThan(run, 2, VERSION_TIMEOUT);
            double recoveredSeconds = (System.nanoTime() - killedAt) / 1e9;
            long restartedAt = miniCluster.getExecutionGraph(job.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING);
            assertThat(finalVersion).isEqualTo(CurriculumJson.toCurriculum(CurationJobTestBase.batchCurate(config, set)));
            assertThat(finalVersion.poolSize()).as("every POOL row counted").isEqualTo(poolSamples(set));

            List<JsonNode> seenByPython = awaitPython(python);
            JsonNode last = seenByPython.get(seenByPython.size() - 1);
            assertThat(last.get("version").asLong()).isEqualTo(3);
            List<Long> pythonIds = new ArrayList<>();
            last.get("sample_ids").forEach(id -> pythonIds.add(id.asLong()));
            assertThat(pythonIds).as("the Python reader's final curriculum")
                    .containsExactlyElementsOf(finalVersion.entries().stream().map(CurriculumEntry::sampleId).toList());
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
            report("killed node %d (leader of %s-0) with SIGKILL; final version %d %.1f s later (job restarted: %s);"
                            + " Python reader saw versions %s", victim, CadcTopics.CURRICULUM, finalVersion.version(), recoveredSeconds,
                    restartedAt > 0, seenByPython.stream().map(line -> line.get("version").asLong()).toList());
        } finally {
            python.destroyForcibly();
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        assertThat(committedCurricula(Map.of("bootstrap.servers", cluster.bootstrapServers()), run))
                .as("every version committed once, in order, across the broker's loss")
                .extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
        report("broker failover test: %.1f s", (System.nanoTime() - started) / 1e9);
    }

    /**
     * Every topic has three replicas and {@code min.insync.replicas=2}; asked until every node knows the
     * new topics (a node that has not applied the metadata yet answers UNKNOWN_TOPIC_OR_PARTITION).
     */
    private static void assertReplicated(Map<String, Object> client, List<String> topics) throws Exception {
        try (Admin admin = Admin.create(client)) {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            Map<String, TopicDescription> descriptions = null;
            while (descriptions == null) {
                try {
                    descriptions = admin.describeTopics(topics).allTopicNames().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                            || Instant.now().isAfter(deadline)) {
                        throw e;
                    }
                    Thread.sleep(100); // poll interval of the deadline loop
                }
            }
            for (TopicDescription description : descriptions.values()) {
                assertThat(description.partitions()).allSatisfy(partition -> assertThat(partition.replicas()).hasSize(3));
            }
            List<ConfigResource> resources = topics.stream().map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic)).toList();
            for (Config topicConfig : admin.describeConfigs(resources).all().get().values()) {
                assertThat(topicConfig.get("min.insync.replicas").value()).isEqualTo("2");
            }
        }
    }

    /** The node id leading partition 0 of {@code topic}. */
    private static int leaderOf(Map<String, Object> client, String topic) throws Exception {
        try (Admin admin = Admin.create(client)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0).leader().id();
        }
    }

    private static long poolSamples(PlantedSketches.PlantedSet set) {
        return set.batches().stream()
                .flatMap(batch -> java.util.stream.IntStream.range(0, batch.rowCount())
                        .filter(row -> batch.role(row) == dev.cadc.core.format.Role.POOL)
                        .mapToObj(batch::sampleId))
                .distinct().count();
    }

    private static Process followWithPython(String bootstrap, String run, int until) throws Exception {
        Path root = repositoryRoot();
        ProcessBuilder builder = new ProcessBuilder(System.getProperty("cadc.python", "/usr/bin/python3"), "-B",
                root.resolve("src/python/tests_e2e/follow_curriculum.py").toString(),
                "--bootstrap", bootstrap, "--run-id", run, "--until", Integer.toString(until))
                .directory(root.toFile())
                .redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", root.resolve("src/python").toString());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process = builder.start();
        // Drained as it comes, so that librdkafka's complaints about the dead node never fill the pipe.
        pythonOutput = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "(cannot read the Python reader's output: " + e.getMessage() + ")";
            }
        });
        return process;
    }

    /** The JSON lines the Python follower printed, once it has exited 0. */
    private static List<JsonNode> awaitPython(Process python) throws Exception {
        Instant deadline = Instant.now().plus(VERSION_TIMEOUT);
        while (python.isAlive() && Instant.now().isBefore(deadline)) {
            python.waitFor(500, TimeUnit.MILLISECONDS);
        }
        assertThat(python.isAlive()).as("the Python reader still waits after %s", VERSION_TIMEOUT).isFalse();
        String output = pythonOutput.get(30, TimeUnit.SECONDS);
        assertThat(python.exitValue()).as("the Python reader's exit code; it printed:%n%s", output).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("{")) { // the reader's versions; librdkafka's complaints about the dead node are not
                lines.add(JSON.readTree(line));
            }
        }
        assertThat(lines).as("versions the Python reader saw").isNotEmpty();
        return lines;
    }
}
