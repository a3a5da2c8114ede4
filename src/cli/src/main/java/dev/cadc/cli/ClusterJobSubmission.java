package dev.cadc.cli;

import dev.cadc.flink.config.JobConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code cadc job --jobmanager}: the shaded job jar submitted to a running Flink cluster over its REST
 * API, as {@code flink run} would (the jar's {@code main}, {@code CadcCurationJob}, runs on the
 * JobManager with the same {@code --name value} arguments), a job stopped with a savepoint, a savepoint
 * restored. The job's classes reach the cluster only in the jar.
 */
final class ClusterJobSubmission {

    /** The shaded job jar's name beside the CLI's jar (maven-dependency-plugin copies it there). */
    static final String JOB_JAR_NAME = "cadc-flink-jobs-job.jar";

    /** Longest wait for a savepoint (state of a few MB takes seconds). */
    static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(5);
    /** A bounded job on a cluster may read a large topic: the wait is for the user to end (Ctrl-C). */
    static final Duration BOUNDED_TIMEOUT = Duration.ofDays(1);
    private static final Duration POLL = Duration.ofSeconds(1);
    /** Job parameters that name a file read by the job's {@code main}. */
    private static final List<String> FILE_OPTIONS = List.of("--config", "--kafka-config");

    private final FlinkRestClient rest;

    ClusterJobSubmission(String jobManager) {
        this.rest = new FlinkRestClient(jobManager);
    }

    /** The job jar built with the CLI: {@code src/cli/target/cadc-flink-jobs-job.jar}. */
    static Path builtJobJar() {
        Path location;
        try {
            location = Path.of(ClusterJobSubmission.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the CLI's jar to find the job jar beside it; give --jar PATH", e);
        }
        // cadc-cli.jar, or target/classes when run from the build: either way the job jar is in target/.
        Path jar = location.getParent().resolve(JOB_JAR_NAME);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the job jar " + jar + " does not exist; build it with "
                    + "mvn -pl src/cli -am package, or give --jar PATH (flink-jobs/target/cadc-flink-jobs-*-job.jar)");
        }
        return jar;
    }

    /**
     * Uploads the jar and runs it with {@code programArgs} at the config's parallelism, restoring
     * {@code savepoint} if given. A bounded job is awaited: 0 if it finished, an exception with Flink's
     * failure cause otherwise. An unbounded one is left running: its id and web page are printed.
     */
    int submit(Path jar, List<String> programArgs, JobConfig config, Optional<String> savepoint, PrintWriter out)
            throws IOException, InterruptedException {
        List<String> arguments = withAbsoluteFiles(programArgs);
        String jarId = rest.uploadJar(jar);
        String jobId;
        try {
            jobId = rest.runJar(jarId, arguments, config.parallelism, savepoint);
        } finally {
            // The submitted job keeps its own copy of the jar (a blob); the upload is no longer needed.
            rest.deleteJar(jarId);
        }
        out.printf("submitted job %s (parallelism %d%s) to %s%n", jobId, config.parallelism,
                savepoint.map(path -> ", restored from " + path).orElse(""), rest.baseUrl());
        out.printf("web UI: %s%n", rest.jobPage(jobId));
        out.flush();
        if (!config.bounded) {
            out.printf("stop it with a savepoint: ./cadc job --jobmanager %s --stop %s%n",
                    rest.baseUrl().replaceFirst("^https?://", ""), jobId);
            out.flush();
            return 0;
        }
        long startNanos = System.nanoTime();
        String state = rest.awaitTerminal(jobId, BOUNDED_TIMEOUT, POLL);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (!"FINISHED".equals(state)) {
            throw new IllegalStateException("job " + jobId + " ended " + state + " after " + String.format("%.1f", seconds)
                    + " s: " + rest.failureCause(jobId));
        }
        out.printf("job %s finished in %.1f s: read %s to its offsets at start, outputs committed%n", jobId, seconds,
                config.sketchesTopic);
        out.flush();
        return 0;
    }

    /**
     * The arguments with the files of {@code --config} and {@code --kafka-config} made absolute: the
     * job's {@code main} reads them on the JobManager, whose working directory is not the user's (the
     * same machine for {@code cadc cluster}; elsewhere the path must exist there too).
     */
    static List<String> withAbsoluteFiles(List<String> programArgs) {
        List<String> arguments = new java.util.ArrayList<>(programArgs);
        for (int i = 0; i < arguments.size(); i++) {
            String arg = arguments.get(i);
            for (String option : FILE_OPTIONS) {
                if (arg.equals(option) && i + 1 < arguments.size() && !arguments.get(i + 1).isBlank()) {
                    arguments.set(i + 1, Path.of(arguments.get(i + 1)).toAbsolutePath().normalize().toString());
                } else if (arg.startsWith(option + "=") && arg.length() > option.length() + 1) {
                    arguments.set(i, option + "=" + Path.of(arg.substring(option.length() + 1)).toAbsolutePath().normalize());
                }
            }
        }
        return arguments;
    }

    /** Stops a job with a savepoint; prints {@code savepoint PATH}. */
    int stop(String jobId, String savepointDir, PrintWriter out) throws IOException, InterruptedException {
        String path = rest.stopWithSavepoint(jobId, Optional.ofNullable(savepointDir), SAVEPOINT_TIMEOUT);
        out.printf("savepoint %s%n", path);
        out.printf("restore it: ./cadc job --jobmanager %s --from-savepoint %s --bootstrap HOST:PORT [--parallelism N] ...%n",
                rest.baseUrl().replaceFirst("^https?://", ""), path);
        out.flush();
        return 0;
    }
}
