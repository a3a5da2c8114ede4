package dev.cadc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.MemorySize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cadc cluster}: a Flink standalone session cluster of separate processes on this machine
 * ({@link FlinkSessionCluster}) in the foreground until Ctrl-C or SIGTERM, which stop every process it
 * started. Jobs reach it as jars over its REST API ({@code cadc job --jobmanager}, {@code flink run -m}).
 */
@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        header = "Run a Flink session cluster (separate processes) until Ctrl-C.",
        description = {
            "Start a Flink standalone session cluster on 127.0.0.1: one JobManager",
            "process and --taskmanagers TaskManager processes with --slots slots each,",
            "on Flink's own classpath (no job classes: jobs arrive as jars, e.g. with",
            "cadc job --jobmanager 127.0.0.1:PORT).",
            "Prints 'cluster ready at http://127.0.0.1:PORT' (REST API and web UI) once",
            "every TaskManager has registered, then 'taskmanager N pid PID' per",
            "TaskManager, and runs until Ctrl-C or SIGTERM, which stop every process it",
            "started. Under --dir: conf/ (config.yaml), log/ (NAME.log and NAME.out per",
            "process), checkpoints/ and savepoints/ (kept after the cluster stops), tmp/.",
            "Each process serves Prometheus metrics on 127.0.0.1, at a port from",
            "--metrics-ports.",
            "",
            "Options:"
        },
        sortOptions = false)
final class ClusterCommand implements Callable<Integer> {

    /** Two TaskManagers register in about 20 s on an idle 2-core machine; a loaded one needs more. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    @Spec
    private CommandSpec spec;

    @Option(names = "--taskmanagers", defaultValue = "2", paramLabel = "N",
            description = "TaskManager processes (default ${DEFAULT-VALUE}).")
    int taskManagers;

    @Option(names = "--slots", defaultValue = "2", paramLabel = "N",
            description = "Task slots per TaskManager (default ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--rest-port", defaultValue = "8081", paramLabel = "PORT",
            description = "Port of the REST API and web UI on 127.0.0.1 (0 = any free port; default ${DEFAULT-VALUE}).")
    int restPort;

    @Option(names = "--dir", defaultValue = "cadc-cluster", paramLabel = "DIR",
            description = "Configuration, logs, checkpoints and savepoints (default ./${DEFAULT-VALUE}; kept on exit).")
    Path dir;

    @Option(names = "--metrics-ports", defaultValue = "9250-9299", paramLabel = "FIRST-LAST",
            description = "Ports for the processes' Prometheus endpoints on 127.0.0.1, the first free ones "
                    + "(default ${DEFAULT-VALUE}).")
    String metricsPorts;

    @Option(names = "--taskmanager-memory", defaultValue = "1024m", paramLabel = "SIZE",
            description = "Total process memory of each TaskManager (default ${DEFAULT-VALUE}).")
    String taskManagerMemory;

    @Option(names = "--jobmanager-memory", defaultValue = "1024m", paramLabel = "SIZE",
            description = "Total process memory of the JobManager (default ${DEFAULT-VALUE}).")
    String jobManagerMemory;

    @Override
    public Integer call() throws Exception {
        FlinkSessionCluster.Settings settings = new FlinkSessionCluster.Settings(taskManagers, slots, restPort, dir,
                metricsPorts, memory("--jobmanager-memory", jobManagerMemory), memory("--taskmanager-memory", taskManagerMemory));
        PrintWriter out = spec.commandLine().getOut();
        out.printf("starting a Flink session cluster in %s: 1 JobManager, %d TaskManager(s) x %d slot(s)%n",
                settings.dir(), taskManagers, slots);
        out.flush();

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean signalled = new AtomicBoolean();
        AtomicReference<FlinkSessionCluster> running = new AtomicReference<>();
        Thread stopOnSignal = new Thread(() -> {
            signalled.set(true);
            System.out.println("stopping the cluster");
            FlinkSessionCluster cluster = running.get();
            if (cluster != null) {
                cluster.close();
            } else {
                // Still starting: stop whatever processes it has started so far.
                stopDescendants();
            }
            stopped.countDown();
        }, "cadc-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);

        FlinkSessionCluster cluster = FlinkSessionCluster.start(settings, READY_TIMEOUT);
        running.set(cluster);
        FlinkSessionCluster.Member jobManager = cluster.jobManager();
        out.printf("cluster ready at %s%n", cluster.restUrl());
        int n = 1;
        for (FlinkSessionCluster.Member taskManager : cluster.taskManagers()) {
            out.printf("taskmanager %d pid %d log %s metrics %s%n", n++, taskManager.pid(), taskManager.log(),
                    taskManager.metricsUrl());
        }
        out.printf("jobmanager pid %d log %s metrics %s%n", jobManager.pid(), jobManager.log(), jobManager.metricsUrl());
        out.printf("checkpoints in %s, savepoints in %s%n", settings.dir().resolve("checkpoints"),
                settings.dir().resolve("savepoints"));
        out.printf("submit the job: ./cadc job --jobmanager 127.0.0.1:%s --bootstrap HOST:PORT [--parallelism N]%n",
                cluster.restUrl().substring(cluster.restUrl().lastIndexOf(':') + 1));
        out.println("Ctrl-C stops the cluster");
        out.flush();

        // A TaskManager that dies is reported (the JobManager reschedules its tasks); a dead JobManager ends the command.
        for (FlinkSessionCluster.Member taskManager : cluster.taskManagers()) {
            taskManager.process().onExit().thenAccept(process -> {
                if (!signalled.get()) {
                    out.printf("%s (pid %d) exited with code %d; see %s%n", taskManager.name(), process.pid(),
                            process.exitValue(), taskManager.out());
                    out.flush();
                }
            });
        }
        CompletableFuture<Process> jobManagerExit = jobManager.process().onExit();
        jobManagerExit.thenRun(stopped::countDown);
        stopped.await();
        if (!signalled.get()) {
            cluster.close();
            throw new IllegalStateException("the JobManager (pid " + jobManager.pid() + ") exited with code "
                    + jobManager.process().exitValue() + "; the cluster is stopped. See " + jobManager.log());
        }
        return 0;
    }

    private static void stopDescendants() {
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
        ProcessHandle.current().descendants().forEach(process -> {
            try {
                process.onExit().get(FlinkSessionCluster.STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                process.destroyForcibly();
            }
        });
    }

    private static MemorySize memory(String option, String text) {
        try {
            return MemorySize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " must be a size such as 1024m or 2g, got '" + text + "'", e);
        }
    }
}
