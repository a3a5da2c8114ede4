package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.client.TopicReader;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.curriculum.SketchSource;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.testing.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The shaded job jar on a real multi-process Flink session cluster ({@code cadc cluster}: a JobManager
 * and two TaskManagers with two slots each, separate JVMs on Flink's own classpath), submitted, stopped
 * and restored with {@code cadc job --jobmanager}, against a real broker, every run spread over the
 * topic's four partitions. Each test's final curriculum equals {@code cadc curate} (the batch
 * {@link Curator}) on the same rows, and each version is committed once.
 *
 * <p>One cluster serves the class (starting one takes 20-40 s on two cores); the TaskManager killed by
 * the last test is not replaced, hence the order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionClusterITCase {

    /**
     * A broker per test: one that served several exactly-once jobs in a row has left a new idempotent
     * publisher without a producer id until its records expired (see the note in flink-jobs'
     * CurationJobTestBase); here it happened to the third test's publisher after the second test's
     * three jobs.
     */
    private static EmbeddedKafkaBroker broker;

    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern SUBMITTED = Pattern.compile("submitted job ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("(?m)^savepoint (\\S+)$");
    /** The Prometheus name of an operator's metric: Flink's scope, then the metric's groups and name joined by '_'. */
    private static final String OPERATOR_METRIC = "flink_taskmanager_job_task_operator_";
    /** One Prometheus sample line: name, optional labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");

    private static ClusterProcess cluster;
    private static FlinkRestClient rest;

    /** The cluster's directory stays in target/ after the run, for its logs when a test fails. */
    @BeforeAll
    static void startCluster() throws Exception {
        Path dir = Path.of("target", "session-cluster-itcase").toAbsolutePath();
        dev.cadc.testing.TemporaryDirectories.deleteRecursively(dir);
        cluster = ClusterProcess.start(dir, 2, 2, CLUSTER_TIMEOUT);
        rest = new FlinkRestClient(cluster.restAddress());
    }

    @BeforeEach
    void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The job's own metrics reach each TaskManager's Prometheus endpoint: rows read by role (summed
     * over the subtasks of both TaskManagers: every row published), dead letters by reason (the one
     * malformed record), the run's newest curriculum version.
     */
    @Test
    @Order(1)
    void theTaskManagersPrometheusEndpointsServeTheJobsMetrics() throws Exception {
        String topic = "sketches-cluster-metrics";
        PlantedSketches.PlantedSet set = planted("cluster-metrics", 61);
        String run = set.config().runId();
        try (SketchPublisher publisher = publisher(topic)) {
            startRun(publisher, set);
            publishCheckpoints(publisher, set, 0, 3);
        }
        publishMalformed(topic, run);
        String jobId = submit(topic, 2, "--group-id", "group-" + topic);
        try {
            awaitVersion(run, 3);
            long rows = set.batches().stream().mapToLong(SketchBatch::rowCount).sum();
            Map<String, Double> metrics = awaitMetrics(
                    scraped -> sum(scraped, "sketchesPOOL") + sum(scraped, "sketchesPROBE") + sum(scraped, "sketchesTRAIN") == rows
                            && sum(scraped, "deadLetters_*") == 1);

            assertThat(sum(metrics, "sketchesPROBE")).as("probe rows read").isPositive();
            assertThat(sum(metrics, "deadLetters_UNSUPPORTED_VERSION"))
                    .as("the header-less record's dead letter, by its reason:%n%s", cadcLines(metrics)).isEqualTo(1);
            assertThat(metrics.entrySet().stream()
                    .filter(sample -> sample.getKey().startsWith(OPERATOR_METRIC + "run_curriculumVersion{")
                            && sample.getKey().contains("run=\"" + run + "\""))
                    .map(Map.Entry::getValue).toList())
                    .as("the run's curriculumVersion gauge, its label the run id unchanged:%n%s", cadcLines(metrics))
                    .containsExactly(3.0);
            assertThat(sum(metrics, "curriculumVersionsSent")).as("versions sent:%n%s", cadcLines(metrics)).isEqualTo(4.0);
            assertThat(metrics.keySet()).as("the newest version's freshness and the runs held:%n%s", cadcLines(metrics))
                    .anyMatch(name -> name.startsWith(OPERATOR_METRIC + "run_freshnessMs{") && name.contains("run=\"" + run + "\""))
                    .anyMatch(name -> name.startsWith(OPERATOR_METRIC + "runsHeld"));
            assertThat(sum(metrics, "runsStarted")).as("runs started").isEqualTo(1.0);
            assertThat(metrics.keySet()).as("the TaskManagers run the throughput collector (%s)", FlinkSessionCluster.TASK_MANAGER_GC)
                    .anyMatch(name -> name.startsWith("flink_taskmanager_Status_JVM_GarbageCollector_PS_MarkSweep_"))
                    .noneMatch(name -> name.startsWith("flink_taskmanager_Status_JVM_GarbageCollector_G1_"));
        } finally {
            rest.cancel(jobId);
        }
    }

    /**
     * Rescaling through savepoints: a quarter of the input at parallelism 2, a savepoint, the next at 4 on
     * RocksDB (restored from the heap backend's canonical savepoint), a second savepoint, the rest at 1.
     */
    @Test
    @Order(2)
    void aJobStoppedWithSavepointsAndRestoredAtParallelism4ThenOneCuratesAsTheBatchReference() throws Exception {
        String topic = "sketches-cluster-rescale";
        PlantedSketches.PlantedSet set = planted("cluster-rescale", 62);
        String run = set.config().runId();
        String[] sameJob = {"--group-id", "group-" + topic, "--transactional-id-prefix", "tx-" + topic};
        try (SketchPublisher publisher = publisher(topic)) {
            startRun(publisher, set);
            publishCheckpoints(publisher, set, 0, 1);
            String first = submit(topic, 2, sameJob);
            awaitVersion(run, 1);
            String savepoint = stop(first);

            publishCheckpoints(publisher, set, 2, 2);
            String second = submit(topic, 4, concat(sameJob, "--state-backend", "rocksdb", "--from-savepoint", savepoint));
            awaitVersion(run, 2);
            assertThat(rest.get("/jobs/" + second).path("vertices").get(0).path("parallelism").asInt()).isEqualTo(4);
            String secondSavepoint = stop(second);

            publishCheckpoints(publisher, set, 3, 3);
            String third = submit(topic, 1, concat(sameJob, "--from-savepoint", secondSavepoint));
            try {
                Curriculum last = awaitVersion(run, 3);
                assertThat(last.version()).isEqualTo(3);
                assertThat(last).isEqualTo(batchReference(set));
            } finally {
                rest.cancel(third);
            }
        }
        assertThat(committedCurricula(run)).extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
    }

    /**
     * A TaskManager process that runs part of the job is killed with SIGKILL after the first version is
     * committed; the job restarts on the other TaskManager's slots from its last checkpoint and finishes
     * the run: the final curriculum equals the batch reference, and a read_committed consumer sees every
     * version exactly once.
     */
    /** {@code --bounded} on a cluster: the command waits for the job and exits 0 once it has finished. */
    @Test
    @Order(3)
    void aBoundedJobOnTheClusterIsAwaitedAndFinishes() throws Exception {
        String topic = "sketches-cluster-bounded";
        PlantedSketches.PlantedSet set = planted("cluster-bounded", 64);
        try (SketchPublisher publisher = publisher(topic)) {
            startRun(publisher, set);
            publishCheckpoints(publisher, set, 0, 3);
        }

        String out = cadc(List.of("job", "--jobmanager", cluster.restAddress(), "--bootstrap", broker.bootstrapServers(),
                "--sketches-topic", topic, "--parallelism", "2", "--checkpoint-interval-ms", "500", "--bounded"));

        Matcher submitted = SUBMITTED.matcher(out);
        assertThat(submitted.find()).as(out).isTrue();
        assertThat(out).contains("job " + submitted.group(1) + " finished in ");
        assertThat(rest.jobState(submitted.group(1))).isEqualTo("FINISHED");
        List<Curriculum> committed = committedCurricula(set.config().runId());
        assertThat(committed).extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
        assertThat(committed.get(3)).isEqualTo(batchReference(set));
    }

    @Test
    @Order(4)
    void aTaskManagerKilledMidStreamChangesNothing() throws Exception {
        String topic = "sketches-cluster-failover";
        PlantedSketches.PlantedSet set = planted("cluster-failover", 63);
        String run = set.config().runId();
        try (SketchPublisher publisher = publisher(topic)) {
            startRun(publisher, set);
            publishCheckpoints(publisher, set, 0, 1);
            String jobId = submit(topic, 2, "--group-id", "group-" + topic, "--transactional-id-prefix", "tx-" + topic);
            try {
                awaitVersion(run, 0);
                int victim = busiestTaskManager();
                long pid = cluster.taskManagerPids().get(victim);
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();

                publishCheckpoints(publisher, set, 2, 3);
                Curriculum last = awaitVersion(run, 3);

                assertThat(rest.get("/jobs/" + jobId).path("timestamps").path("RESTARTING").asLong())
                        .as("the job went through a restart").isPositive();
                assertThat(taskManagersRunning(jobId)).as("TaskManagers running the job after the restart")
                        .containsExactly(FlinkSessionCluster.taskManagerId(3 - victim));
                assertThat(last.version()).isEqualTo(3);
                assertThat(last).isEqualTo(batchReference(set));
                assertThat(cluster.output()).contains("taskmanager-" + victim + " (pid " + pid + ") exited with code 137");
            } finally {
                rest.cancel(jobId);
            }
        }
        assertThat(committedCurricula(run)).extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
        assertThat(cluster.isAlive()).as("the cluster command outlives a TaskManager").isTrue();
    }

    /** SIGTERM (Ctrl-C) to {@code cadc cluster}: its shutdown hook stops the JobManager and the TaskManager left. */
    @Test
    @Order(5)
    void sigtermStopsEveryProcessTheCommandStarted() throws Exception {
        ClusterProcess.Stopped stopped = cluster.stop();

        assertThat(stopped.survivors()).as("processes alive after the command exited").isEmpty();
        assertThat(stopped.exitCode()).as("exit code after SIGTERM").isEqualTo(143);
        assertThat(cluster.output()).contains("stopping the cluster");
    }

    /** A small planted run: 4 capabilities, k = 64, 4 checkpoints. */
    private static PlantedSketches.PlantedSet planted(String runId, long seed) {
        return PlantedSketches.generate(PlantedConfig.of(runId, seed, 4, 64).withPool(60, 12));
    }

    private static SketchPublisher publisher(String topic) {
        // Spread (the default): the run's rows over every partition, its control records in the key's.
        return new SketchPublisher(Map.of("bootstrap.servers", broker.bootstrapServers()), SketchPublisher.DEFAULT_MAX_RECORD_BYTES,
                topic, true);
    }

    private static void startRun(SketchPublisher publisher, PlantedSketches.PlantedSet set) {
        publisher.startRun(new RunStart(set.config().runId(), set.projection().sketchDim(), set.projection().seed(),
                set.projection().kind(), InfluenceSource.POOL));
    }

    /** The rows of checkpoints {@code from..to}, then their checkpoint-complete records. */
    private static void publishCheckpoints(SketchPublisher publisher, PlantedSketches.PlantedSet set, int from, int to) {
        for (SketchBatch batch : set.batches()) {
            if (batch.checkpoint(0) >= from && batch.checkpoint(0) <= to) {
                publisher.publish(batch);
            }
        }
        for (int checkpoint = from; checkpoint <= to; checkpoint++) {
            publisher.completeCheckpoint(set.config().runId(), checkpoint);
        }
        publisher.flush();
    }

    /** A record of the run with no CADC headers: one dead letter, UNSUPPORTED_VERSION (no schema version). */
    private static void publishMalformed(String topic, String run) {
        Map<String, Object> config = Map.of("bootstrap.servers", broker.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, run.getBytes(StandardCharsets.UTF_8), "not a sketch".getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** {@code cadc job --jobmanager ... } (unbounded), in-process; returns the job id it printed. */
    private static String submit(String topic, int parallelism, String... more) {
        List<String> args = new ArrayList<>(List.of("job", "--jobmanager", cluster.restAddress(), "--bootstrap",
                broker.bootstrapServers(), "--sketches-topic", topic, "--parallelism", Integer.toString(parallelism),
                "--checkpoint-interval-ms", "500"));
        args.addAll(Arrays.asList(more));
        String out = cadc(args);
        Matcher submitted = SUBMITTED.matcher(out);
        assertThat(submitted.find()).as(out).isTrue();
        return submitted.group(1);
    }

    /** {@code cadc job --jobmanager ... --stop JOB_ID}; returns the savepoint path it printed. */
    private static String stop(String jobId) {
        String out = cadc(List.of("job", "--jobmanager", cluster.restAddress(), "--stop", jobId));
        Matcher savepoint = SAVEPOINT.matcher(out);
        assertThat(savepoint.find()).as(out).isTrue();
        return savepoint.group(1);
    }

    private static String cadc(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args.toArray(String[]::new));
        assertThat(exit).as("cadc %s exited %d: %s%s", args, exit, out, err).isZero();
        return out.toString();
    }

    /** The run's newest committed curriculum once its version is at least {@code version}. */
    private static Curriculum awaitVersion(String run, long version) throws Exception {
        try (CurriculumClient client = new CurriculumClient(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            return client.awaitNewerThan(run, version - 1, VERSION_TIMEOUT);
        }
    }

    /** {@code cadc curate} on the whole set, with the job's (default) curation parameters. */
    private static Curriculum batchReference(PlantedSketches.PlantedSet set) {
        return CurriculumJson.toCurriculum(new Curator(JobConfig.defaults().curatorConfig()).curate(SketchSource.of(set.batches()),
                set.config().runId(), set.projection().sketchDim(), InfluenceSource.POOL));
    }

    /** Every committed curriculum record of the run, in topic order (read_committed). */
    private static List<Curriculum> committedCurricula(String run) {
        List<Curriculum> curricula = new ArrayList<>();
        byte[] key = run.getBytes(StandardCharsets.UTF_8);
        try (TopicReader reader = new TopicReader(Map.of("bootstrap.servers", broker.bootstrapServers()), CadcTopics.CURRICULUM)) {
            assertThat(reader.readToEnd(READ_TIMEOUT, record -> {
                if (Arrays.equals(record.key(), key)) {
                    curricula.add(CurriculumCodec.decode(record.value(), run));
                }
            })).as("read " + CadcTopics.CURRICULUM + " to its end").isTrue();
        }
        return curricula;
    }

    /** The TaskManager with the fewest free slots (one that runs part of the job), by its printed number. */
    private static int busiestTaskManager() throws Exception {
        int busiest = -1;
        int fewestFree = Integer.MAX_VALUE;
        for (JsonNode taskManager : rest.get("/taskmanagers").path("taskmanagers")) {
            int free = taskManager.path("freeSlots").asInt();
            if (free < fewestFree) {
                fewestFree = free;
                busiest = Integer.parseInt(taskManager.path("id").asText().substring("taskmanager-".length()));
            }
        }
        assertThat(fewestFree).as("a TaskManager runs part of the job").isLessThan(2);
        return busiest;
    }

    /** The resource ids of the TaskManagers that run a subtask of the job. */
    private static java.util.Set<String> taskManagersRunning(String jobId) throws Exception {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (JsonNode vertex : rest.get("/jobs/" + jobId).path("vertices")) {
            for (JsonNode taskManager : rest.get("/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers")
                    .path("taskmanagers")) {
                ids.add(taskManager.path("taskmanager-id").asText());
            }
        }
        return ids;
    }

    /** Scrapes every TaskManager's endpoint until {@code done} holds for the merged samples (or fails after a deadline). */
    private static Map<String, Double> awaitMetrics(java.util.function.Predicate<Map<String, Double>> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, Double> scraped = Map.of();
        while (System.nanoTime() < deadline) {
            scraped = scrapeTaskManagers();
            if (done.test(scraped)) {
                return scraped;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the TaskManagers' metrics never reached the expected values; last scrape:\n" + cadcLines(scraped));
    }

    private static Map<String, Double> scrapeTaskManagers() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Double> samples = new HashMap<>();
        for (String url : cluster.metricsUrls().values()) {
            String text = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher sample = SAMPLE.matcher(text);
            while (sample.find()) {
                samples.put(sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)), Double.parseDouble(sample.group(3)));
            }
        }
        return samples;
    }

    /**
     * The sum of an operator metric's samples over subtasks and TaskManagers; {@code name*} sums every
     * metric whose name starts with {@code name}.
     */
    private static double sum(Map<String, Double> samples, String metric) {
        boolean prefix = metric.endsWith("*");
        String wanted = OPERATOR_METRIC + (prefix ? metric.substring(0, metric.length() - 1) : metric);
        return samples.entrySet().stream()
                .filter(entry -> {
                    String name = entry.getKey().substring(0, nameEnd(entry.getKey()));
                    return prefix ? name.startsWith(wanted) : name.equals(wanted);
                })
                .mapToDouble(Map.Entry::getValue).sum();
    }

    private static int nameEnd(String sample) {
        int brace = sample.indexOf('{');
        return brace < 0 ? sample.length() : brace;
    }

    private static String cadcLines(Map<String, Double> samples) {
        StringBuilder text = new StringBuilder();
        samples.forEach((name, value) -> {
            if (name.contains("sketches") || name.contains("deadLetters") || name.contains("curriculum")) {
                text.append(name).append(' ').append(value).append('\n');
            }
        });
        return text.toString();
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
