package dev.cadc.cli;

import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.job.CadcCurationJob;
import dev.cadc.flink.job.KafkaConnectors;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.clusterframework.ApplicationStatus;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code cadc job}: the streaming curation job ({@link CadcCurationJob}) on a local Flink MiniCluster
 * with its web UI, against a Kafka broker. The job's parameters are declared once, in {@link JobConfig};
 * this command declares only what belongs to the local cluster ({@code --web-port}) and the broker
 * address it cannot run without, and passes every other {@code --name value} through to
 * {@link JobConfig#fromArgs}. Its {@code --help} lists {@link JobConfig#describe()}.
 */
@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        header = "Run the curation job on a local Flink with web UI.",
        customSynopsis = {
            "cadc job --bootstrap HOST:PORT [--web-port PORT] [--config FILE]",
            "         [--bounded] [--parallelism N] [--NAME VALUE ...]"
        },
        description = {
            "Run the CADC Flink job (cadc.sketches -> cadc.curriculum, cadc.capabilities,",
            "cadc.dead-letter, exactly once) on a local Flink MiniCluster (one TaskManager,",
            "one slot per parallel instance) and print the link to its web UI. Creates the",
            "topics it needs.",
            "Unbounded (the default): runs until Ctrl-C or SIGTERM, then cancels the job and",
            "stops the cluster. --bounded: reads up to the offsets newest at start, completes",
            "its checkpoints (the Kafka transaction holding the curriculum commits at a",
            "checkpoint) and exits 0.",
            "A failing job restarts at most " + JobCommand.RESTART_ATTEMPTS + " times, then the command exits 1 with the cause.",
            "",
            "Options:"
        },
        sortOptions = false)
final class JobCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(JobCommand.class);

    static final int RESTART_ATTEMPTS = 3;
    private static final Duration RESTART_DELAY = Duration.ofSeconds(2);
    private static final String JOB_NAME = "CADC curation";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    /** picocli's default usage width. */
    private static final int HELP_WIDTH = 80;
    private static final Pattern PARAMETER_LINE = Pattern.compile("(\\s*--\\S+\\s+)(.*)");

    private CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (the job parameter 'bootstrap', required here).")
    String bootstrap;

    @Option(names = "--web-port", defaultValue = "8081", paramLabel = "PORT",
            description = "Port of the Flink web UI and REST API on 127.0.0.1; when taken, any free port "
                    + "(0 = any free port; default ${DEFAULT-VALUE}).")
    int webPort;

    /** Every other argument: job parameters, parsed and validated by {@link JobConfig#fromArgs}. */
    @Unmatched
    List<String> jobArgs = new ArrayList<>();

    /** Sets the footer to the job parameters as {@link JobConfig} declares them, so --help cannot drift from them. */
    @Spec
    void setSpec(CommandSpec spec) {
        this.spec = spec;
        spec.usageMessage().footerHeading(
                "%nJob parameters, declared by the job (JobConfig): --NAME VALUE flags, or a flat%n"
                + "YAML file of NAME: VALUE lines given with --config FILE (flags win).%n");
        spec.usageMessage().footer(JobConfig.describe().lines()
                .flatMap(line -> wrapWithHangingIndent(line, HELP_WIDTH).stream())
                .map(line -> line.replace("%", "%%"))
                .toArray(String[]::new));
    }

    /**
     * Wraps a {@code "  --name   description"} line so that continuation lines start under the
     * description (picocli would wrap the footer to column 0).
     */
    static List<String> wrapWithHangingIndent(String line, int width) {
        Matcher parts = PARAMETER_LINE.matcher(line);
        if (!parts.matches() || line.length() <= width) {
            return List.of(line);
        }
        String indent = " ".repeat(parts.group(1).length());
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder(parts.group(1));
        for (String word : parts.group(2).split(" ")) {
            if (current.length() > indent.length() && current.length() + 1 + word.length() > width) {
                lines.add(current.toString());
                current = new StringBuilder(indent);
            }
            if (current.length() > indent.length() && !current.toString().endsWith(" ")) {
                current.append(' ');
            }
            current.append(word);
        }
        lines.add(current.toString());
        return lines;
    }

    @Override
    public Integer call() throws Exception {
        if (webPort < 0 || webPort > 65535) {
            throw new IllegalArgumentException("--web-port must be 0..65535, got " + webPort);
        }
        List<String> args = new ArrayList<>(List.of("--bootstrap", bootstrap));
        args.addAll(jobArgs);
        JobConfig config = JobConfig.fromArgs(args.toArray(String[]::new));

        KafkaConnectors.createTopics(config);
        return run(config, spec.commandLine().getOut());
    }

    private int run(JobConfig config, PrintWriter out) throws Exception {
        Path checkpoints = Files.createTempDirectory("cadc-job-checkpoints-");
        CountDownLatch closed = new CountDownLatch(1);
        MiniCluster cluster = null;
        Thread stopOnSignal = null;
        try {
            Configuration configuration = clusterConfiguration(config, checkpoints);
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(configuration);
            CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);
            JobGraph jobGraph = env.getStreamGraph().getJobGraph();

            cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(configuration)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(config.parallelism)
                    .build());
            MiniCluster started = cluster;
            stopOnSignal = new Thread(() -> stop(started, jobGraph.getJobID(), closed), "cadc-job-shutdown");
            Runtime.getRuntime().addShutdownHook(stopOnSignal);

            cluster.start();
            URI web = cluster.getRestAddress().get();
            out.printf("Flink web UI: http://localhost:%d%n", web.getPort());
            out.flush();
            cluster.submitJob(jobGraph).get();
            LOG.info("job '{}' ({}) submitted: parallelism {}, {}, reading {} at {}", JOB_NAME, jobGraph.getJobID(),
                    config.parallelism, config.bounded ? "bounded" : "unbounded (Ctrl-C to stop)", config.sketchesTopic,
                    config.bootstrap);

            long startNanos = System.nanoTime();
            JobResult result = cluster.requestJobResult(jobGraph.getJobID()).get();
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            if (result.isSuccess()) {
                out.printf("job finished in %.1f s: read %s to its offsets at start, outputs committed%n", seconds,
                        config.sketchesTopic);
                out.flush();
                return 0;
            }
            if (result.getApplicationStatus() == ApplicationStatus.CANCELED) {
                out.printf("job cancelled after %.1f s%n", seconds);
                out.flush();
                return 0;
            }
            throw new IllegalStateException("the job failed (restart attempts: " + RESTART_ATTEMPTS + "): "
                    + rootCause(result));
        } finally {
            if (stopOnSignal != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopOnSignal);
                } catch (IllegalStateException shuttingDown) {
                    // The JVM is stopping (Ctrl-C, SIGTERM): the hook cancels the job and waits for `closed`.
                }
            }
            if (cluster != null) {
                closeQuietly(cluster);
            }
            deleteRecursively(checkpoints);
            closed.countDown();
        }
    }

    /**
     * The job's own settings ({@link CadcCurationJob#configuration}) plus what a local run needs: the
     * REST/web endpoint on loopback, a bounded restart strategy (with checkpointing on, Flink's default
     * retries a broken job for minutes), and file-system checkpoint storage (the JobManager's in-memory
     * storage rejects state above 5 MB).
     */
    Configuration clusterConfiguration(JobConfig config, Path checkpoints) {
        Configuration configuration = CadcCurationJob.configuration(config);
        configuration.set(PipelineOptions.NAME, JOB_NAME);
        configuration.set(RestOptions.ADDRESS, "localhost");
        configuration.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        // Flink's REST server tries each port of the list in turn: the asked one, then any free one.
        configuration.set(RestOptions.BIND_PORT, webPort == 0 ? "0" : webPort + ",0");
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, RESTART_ATTEMPTS);
        configuration.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, RESTART_DELAY);
        configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        return configuration;
    }

    /**
     * Runs in the shutdown hook: cancel the job, then wait until the main thread has closed the cluster
     * and removed the checkpoints (the JVM halts when the hooks return).
     */
    private static void stop(MiniCluster cluster, JobID jobId, CountDownLatch closed) {
        LOG.info("stopping: cancelling job {} and the local Flink cluster", jobId);
        try {
            cluster.cancelJob(jobId).get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cancelling job {} failed ({}); closing the cluster anyway", jobId, e.getMessage());
            closeQuietly(cluster);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (!closed.await(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("the local Flink cluster did not stop within {} s", STOP_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /** The innermost cause of a failed job, which names what went wrong (the outer ones name the restart policy). */
    private static String rootCause(JobResult result) {
        Throwable cause = result.getSerializedThrowable()
                .<Throwable>map(thrown -> thrown.deserializeError(JobCommand.class.getClassLoader()))
                .orElse(null);
        if (cause == null) {
            return "no cause reported (status " + result.getApplicationStatus() + ")";
        }
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.warn("could not delete the checkpoint directory {}: {}", dir, e.getMessage());
        }
    }
}
