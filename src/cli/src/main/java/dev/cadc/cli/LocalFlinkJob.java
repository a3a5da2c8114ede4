package dev.cadc.cli;

import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.job.CadcCurationJob;
import dev.cadc.flink.job.KafkaConnectors;
import dev.cadc.testing.TemporaryDirectories;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CADC job on a local Flink MiniCluster with its web UI (used by {@code cadc job} and
 * {@code cadc demo}): one TaskManager with a slot per parallel instance, the REST/web endpoint on
 * loopback (the asked port, or any free one when it is taken), a bounded restart strategy (with
 * checkpointing on, Flink's default retries a broken job for minutes) and file-system checkpoints in a
 * temporary directory (the JobManager's in-memory storage rejects state above 5 MB) with Flink's own
 * temporary files (RocksDB's working directories among them), removed on close, or at exit when the
 * process is stopped by a signal.
 */
final class LocalFlinkJob implements AutoCloseable {

    static final int RESTART_ATTEMPTS = 3;
    static final String JOB_NAME = "CADC curation";

    private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkJob.class);
    private static final Duration RESTART_DELAY = Duration.ofSeconds(2);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** How often the web endpoint refreshes the metrics it shows (Flink's default is 10 s). */
    static final Duration METRIC_FETCH_INTERVAL = Duration.ofSeconds(1);

    private final MiniCluster cluster;
    private final JobID jobId;
    /** The job's temporary directory: checkpoints and Flink's own temporary files. */
    private final Path directory;
    private final int webPort;
    private boolean closed;

    private LocalFlinkJob(MiniCluster cluster, JobID jobId, Path directory, int webPort) {
        this.cluster = cluster;
        this.jobId = jobId;
        this.directory = directory;
        this.webPort = webPort;
    }

    /** Creates the topics, starts the cluster and submits the job; returns once it is submitted. */
    static LocalFlinkJob start(JobConfig config, int webPort) throws Exception {
        return start(config, webPort, configuration -> { });
    }

    /** As {@link #start(JobConfig, int)}, with {@code tweak} applied last to the cluster's and job's Flink configuration. */
    static LocalFlinkJob start(JobConfig config, int webPort, java.util.function.Consumer<Configuration> tweak) throws Exception {
        KafkaConnectors.createTopics(config);
        // Checkpoints and Flink's own temporary files (RocksDB's working directories, blobs) in one directory,
        // removed on close and, should the process be stopped by a signal, at exit.
        Path directory = TemporaryDirectories.create("cadc-job-");
        java.nio.file.Files.createDirectories(directory.resolve("tmp"));
        MiniCluster cluster = null;
        try {
            Configuration configuration = configuration(config, webPort, directory);
            tweak.accept(configuration);
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(configuration);
            CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);
            JobGraph jobGraph = env.getStreamGraph().getJobGraph();
            cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(configuration)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(config.parallelism)
                    .build());
            cluster.start();
            int port = cluster.getRestAddress().get().getPort();
            cluster.submitJob(jobGraph).get();
            LOG.info("job '{}' ({}) submitted: parallelism {}, {}, reading {} at {}", JOB_NAME, jobGraph.getJobID(),
                    config.parallelism, config.bounded ? "bounded" : "unbounded", config.sketchesTopic, config.bootstrap);
            return new LocalFlinkJob(cluster, jobGraph.getJobID(), directory, port);
        } catch (Exception e) {
            if (cluster != null) {
                closeQuietly(cluster);
            }
            TemporaryDirectories.delete(directory);
            throw e;
        }
    }

    int webPort() {
        return webPort;
    }

    /**
     * The state size of the newest completed Flink checkpoint, or -1 when none has completed yet (for
     * benchmarks: polled while the job runs, its maximum is the job's peak checkpointed state).
     */
    long latestCheckpointStateBytes() {
        try {
            var graph = cluster.getExecutionGraph(jobId).get(10, TimeUnit.SECONDS);
            var snapshot = graph.getCheckpointStatsSnapshot();
            var latest = snapshot == null ? null : snapshot.getHistory().getLatestCompletedCheckpoint();
            return latest == null ? -1 : latest.getStateSize();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (ExecutionException | TimeoutException e) {
            return -1;
        }
    }

    /**
     * The size in bytes of a savepoint of the running job in Flink's canonical format, which writes every
     * key and value of every state once, the same way for every state backend: the state the job holds,
     * as Flink sees it, without a backend's own overhead (RocksDB's overwritten values still in files
     * compaction has not reached, its indexes). The savepoint goes to the job's directory and is deleted
     * once measured. Nothing is committed by it (savepoints do not commit the sink's transactions).
     */
    long canonicalSavepointBytes() throws Exception {
        Path target = directory.resolve("savepoints");
        String location = cluster.triggerSavepoint(jobId, target.toUri().toString(), false,
                org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get(10, TimeUnit.MINUTES);
        Path savepoint = Path.of(new org.apache.flink.core.fs.Path(location).toUri().getPath());
        try (var files = java.nio.file.Files.walk(savepoint)) {
            return files.filter(java.nio.file.Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
        } finally {
            TemporaryDirectories.delete(target);
        }
    }

    /**
     * The live keyed state RocksDB holds, summed over every operator, subtask and state (RocksDB's
     * {@code estimate-live-data-size}: the newest value of each key, without overwritten or deleted
     * values still in files that compaction has not reached), or -1 when the job reports none (the heap
     * backend, or {@code RocksDBNativeMetricOptions.ESTIMATE_LIVE_DATA_SIZE} not switched on).
     */
    long liveRocksDbStateBytes() {
        java.util.Map<String, String> sizes = metrics("rocksdb_estimate-live-data-size");
        if (sizes.isEmpty()) {
            return -1;
        }
        return sizes.values().stream().mapToLong(value -> {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                return 0;
            }
        }).sum();
    }

    /**
     * The job's operator metrics whose REST id ends with {@code suffix} (ids are
     * {@code subtask.operator.group.name}), id to value, read through the web endpoint; empty when the
     * endpoint does not answer. The endpoint refreshes them every {@link #METRIC_FETCH_INTERVAL}.
     */
    java.util.Map<String, String> metrics(String suffix) {
        java.util.Map<String, String> values = new java.util.TreeMap<>();
        try {
            FlinkRestClient rest = new FlinkRestClient("127.0.0.1:" + webPort);
            String job = "/jobs/" + jobId;
            for (var vertex : rest.get(job).path("vertices")) {
                String path = job + "/vertices/" + vertex.path("id").asText() + "/metrics";
                java.util.List<String> ids = new java.util.ArrayList<>();
                for (var metric : rest.get(path)) {
                    if (metric.path("id").asText().endsWith(suffix)) {
                        ids.add(metric.path("id").asText());
                    }
                }
                if (!ids.isEmpty()) {
                    for (var metric : rest.get(path + "?get=" + String.join(",", ids))) {
                        values.put(metric.path("id").asText(), metric.path("value").asText());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            LOG.debug("metrics of job {}: {}", jobId, e.getMessage());
        }
        return values;
    }

    /** Waits for the job to end (a bounded job finishes; an unbounded one ends when cancelled). */
    JobResult awaitResult() throws Exception {
        return cluster.requestJobResult(jobId).get();
    }

    /** Cancels the job (if running), closes the cluster and removes its directory (checkpoints, temporary files); idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cluster.cancelJob(jobId).get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            LOG.debug("job {} was no longer running: {}", jobId, e.getMessage());
        } catch (TimeoutException e) {
            LOG.warn("cancelling job {} timed out; closing the cluster anyway", jobId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(cluster);
        TemporaryDirectories.delete(directory);
    }

    private static Configuration configuration(JobConfig config, int webPort, Path directory) {
        Configuration configuration = CadcCurationJob.configuration(config);
        configuration.set(PipelineOptions.NAME, JOB_NAME);
        configuration.set(RestOptions.ADDRESS, "localhost");
        configuration.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        // Flink's REST server tries each port of the list in turn: the asked one, then any free one.
        configuration.set(RestOptions.BIND_PORT, webPort == 0 ? "0" : webPort + ",0");
        configuration.set(org.apache.flink.configuration.MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, METRIC_FETCH_INTERVAL);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, RESTART_ATTEMPTS);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, RESTART_DELAY);
        configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, directory.resolve("checkpoints").toUri().toString());
        configuration.set(org.apache.flink.configuration.CoreOptions.TMP_DIRS, directory.resolve("tmp").toString());
        // RocksDB (--state-backend rocksdb) uploads only new files per checkpoint; the heap backend ignores it.
        configuration.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        return configuration;
    }

    private static void closeQuietly(MiniCluster cluster) {
        try {
            cluster.closeAsync().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("the local Flink cluster did not close cleanly: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
