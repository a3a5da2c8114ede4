package dev.cadc.cli;

import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.job.CadcCurationJob;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.runtime.clusterframework.ApplicationStatus;
import org.apache.flink.runtime.jobmaster.JobResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code cadc job}: the streaming curation job ({@link CadcCurationJob}) against a Kafka broker, on a
 * local Flink MiniCluster with its web UI, or with {@code --jobmanager} as the shaded job jar submitted
 * to a running Flink cluster over its REST API ({@link ClusterJobSubmission}), where it can also be
 * stopped with a savepoint and restored from one. The job's parameters are declared once, in
 * {@link JobConfig}; this command declares only what belongs to where the job runs and the broker
 * address it cannot run without, and passes every other {@code --name value} through to
 * {@link JobConfig#fromArgs}. Its {@code --help} lists {@link JobConfig#describe()}.
 */
@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        header = "Run the curation job on a local Flink, or submit it to a cluster.",
        customSynopsis = {
            "cadc job --bootstrap HOST:PORT [--web-port PORT] [--config FILE]",
            "         [--bounded] [--parallelism N] [--NAME VALUE ...]",
            "cadc job --jobmanager HOST:PORT --bootstrap HOST:PORT",
            "         [--from-savepoint PATH] [--jar JAR] [--config FILE]",
            "         [--bounded] [--parallelism N] [--NAME VALUE ...]",
            "cadc job --jobmanager HOST:PORT --stop JOB_ID [--savepoint-dir DIR]"
        },
        description = {
            "Run the CADC Flink job (cadc.sketches -> cadc.curriculum, cadc.capabilities,",
            "cadc.dead-letter, exactly once). Creates the topics it needs.",
            "",
            "Without --jobmanager: on a local Flink MiniCluster (one TaskManager, one",
            "slot per parallel instance); prints the link to its web UI. Unbounded (the",
            "default): runs until Ctrl-C or SIGTERM, then cancels the job and stops the",
            "cluster. --bounded: reads up to the offsets newest at start, completes its",
            "checkpoints (the Kafka transaction holding the curriculum commits at a",
            "checkpoint) and exits 0. A failing job restarts at most " + JobCommand.RESTART_ATTEMPTS + " times, then",
            "the command exits 1 with the cause.",
            "",
            "With --jobmanager (e.g. a cadc cluster): uploads the shaded job jar over the",
            "REST API and runs it there. Its main runs on the JobManager, which therefore",
            "must reach the broker and reads the --config and --kafka-config files.",
            "--bounded: waits until the job ends and exits 0 only if it finished.",
            "Otherwise prints the job id and its web UI link and returns (Ctrl-C then",
            "leaves the job running). --stop JOB_ID stops a job with a savepoint and",
            "prints 'savepoint PATH'; --from-savepoint PATH restores one, at any",
            "--parallelism up to " + CadcCurationJob.MAX_PARALLELISM + ".",
            "",
            "Options:"
        },
        sortOptions = false)
final class JobCommand implements Callable<Integer> {


    static final int RESTART_ATTEMPTS = LocalFlinkJob.RESTART_ATTEMPTS;
    /** picocli's default usage width. */
    private static final int HELP_WIDTH = 80;
    private static final Pattern PARAMETER_LINE = Pattern.compile("(\\s*--\\S+\\s+)(.*)");

    private CommandSpec spec;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (the job parameter 'bootstrap', required to run the job).")
    String bootstrap;

    @Option(names = "--web-port", defaultValue = "8081", paramLabel = "PORT",
            description = "Local MiniCluster only: port of the Flink web UI and REST API on 127.0.0.1; when "
                    + "taken, any free port (0 = any free port; default ${DEFAULT-VALUE}).")
    int webPort;

    @Option(names = "--jobmanager", paramLabel = "HOST:PORT",
            description = "REST address of a running Flink cluster (e.g. printed by cadc cluster): submit the "
                    + "job jar there instead of starting a MiniCluster.")
    String jobManager;

    @Option(names = "--from-savepoint", paramLabel = "PATH",
            description = "With --jobmanager: restore the job's state from this savepoint (or retained checkpoint).")
    String fromSavepoint;

    @Option(names = "--stop", paramLabel = "JOB_ID",
            description = "With --jobmanager: stop this job with a savepoint and print its path.")
    String stopJobId;

    @Option(names = "--savepoint-dir", paramLabel = "DIR",
            description = "With --stop: where to write the savepoint (default: the cluster's savepoint directory).")
    String savepointDir;

    @Option(names = "--jar", paramLabel = "JAR",
            description = "With --jobmanager: the shaded job jar to submit (default: the one built beside the CLI, "
                    + "src/cli/target/" + ClusterJobSubmission.JOB_JAR_NAME + ").")
    java.nio.file.Path jar;

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
        if (jobManager == null) {
            for (String[] clusterOnly : new String[][] {{"--stop", stopJobId}, {"--from-savepoint", fromSavepoint},
                    {"--savepoint-dir", savepointDir}, {"--jar", jar == null ? null : jar.toString()}}) {
                if (clusterOnly[1] != null) {
                    throw new ParameterException(spec.commandLine(),
                            clusterOnly[0] + " needs --jobmanager HOST:PORT (a running Flink cluster)");
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (stopJobId != null) {
            if (!jobArgs.isEmpty() || bootstrap != null || fromSavepoint != null) {
                throw new ParameterException(spec.commandLine(), "--stop takes only --jobmanager and --savepoint-dir, got also "
                        + (bootstrap != null ? "--bootstrap " : "") + (fromSavepoint != null ? "--from-savepoint " : "")
                        + String.join(" ", jobArgs));
            }
            return new ClusterJobSubmission(jobManager).stop(stopJobId, savepointDir, out);
        }
        if (bootstrap == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--bootstrap=HOST:PORT' (to run the job)");
        }
        List<String> args = new ArrayList<>(List.of("--bootstrap", bootstrap));
        args.addAll(jobArgs);
        JobConfig config = JobConfig.fromArgs(args.toArray(String[]::new));
        if (jobManager != null) {
            ClusterJobSubmission submission = new ClusterJobSubmission(jobManager);
            return submission.submit(jar == null ? ClusterJobSubmission.builtJobJar() : jar, args, config,
                    java.util.Optional.ofNullable(fromSavepoint), out);
        }
        return run(config, out);
    }

    private int run(JobConfig config, PrintWriter out) throws Exception {
        CountDownLatch closedLatch = new CountDownLatch(1);
        LocalFlinkJob job = LocalFlinkJob.start(config, webPort);
        // Ctrl-C / SIGTERM: cancel the job and close the cluster before the JVM halts.
        Thread stopOnSignal = new Thread(() -> {
            job.close();
            try {
                closedLatch.await(LocalFlinkJob.STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cadc-job-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        try {
            out.printf("Flink web UI: http://localhost:%d%n", job.webPort());
            out.flush();
            long startNanos = System.nanoTime();
            JobResult result = job.awaitResult();
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
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is stopping (Ctrl-C, SIGTERM): the hook closes the job and waits for the latch.
            }
            job.close();
            closedLatch.countDown();
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
}
