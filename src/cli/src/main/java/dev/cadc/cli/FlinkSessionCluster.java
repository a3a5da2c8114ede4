package dev.cadc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cadc.cluster.ClusterClasspath;
import dev.cadc.cluster.LoopbackPrometheusReporterFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink standalone session cluster of separate OS processes, as Flink's {@code start-cluster.sh}
 * starts it but from Maven artifacts (flink-dist is not on Maven Central): one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and N TaskManagers ({@code TaskManagerRunner}), each a
 * JVM on the Flink-only classpath of {@link ClusterClasspath}, everything bound to 127.0.0.1.
 *
 * <p>Under {@code dir}: {@code conf/} (the shared {@code config.yaml} and Log4j settings),
 * {@code log/} (one {@code .log} and one {@code .out} per process), {@code checkpoints/} and
 * {@code savepoints/} (kept after the cluster stops), {@code tmp/} (per-process scratch space). The
 * JVM memory flags that Flink's scripts compute with {@code BashJavaUtils} are computed here with the
 * same Flink classes. Each process's Prometheus reporter gets its own port from a range.
 */
final class FlinkSessionCluster implements AutoCloseable {

    static final String JOB_MANAGER_CLASS = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER_CLASS = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    static final String HOST = "127.0.0.1";
    static final String REPORTER = "prom";

    /**
     * What Flink's own scripts pass to every cluster JVM (Flink's serializers, Kryo, Netty and Arrow in
     * the job jar reach into these JDK packages); with fewer, job submission fails with
     * InaccessibleObjectException.
     */
    static final List<String> JVM_MODULE_FLAGS = List.of(
            "--add-modules=jdk.incubator.vector",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED");

    /**
     * The TaskManagers' garbage collector: the throughput collector, as the launcher gives a local job
     * (the operators' garbage is large arrays living for seconds, which G1 copies again and again;
     * docs/performance.md, "The ninth session").
     */
    static final String TASK_MANAGER_GC = "-XX:+UseParallelGC";

    /**
     * A lost TaskManager is declared dead after this long without heartbeats (Flink's default, 50 s,
     * would keep a job waiting for the dead TaskManager's slots that long after a {@code kill -9}).
     */
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(2);
    /** Restarts of a failing job before it fails for good; together they outlast a lost TaskManager's heartbeat timeout. */
    static final int RESTART_ATTEMPTS = 10;
    static final Duration RESTART_DELAY = Duration.ofSeconds(3);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(500);

    private static final Logger LOG = LoggerFactory.getLogger(FlinkSessionCluster.class);

    /** How to start the cluster. */
    record Settings(int taskManagers, int slots, int restPort, Path dir, String metricsPorts,
            MemorySize jobManagerMemory, MemorySize taskManagerMemory) {
        Settings {
            if (taskManagers < 1) {
                throw new IllegalArgumentException("--taskmanagers must be >= 1, got " + taskManagers);
            }
            if (slots < 1) {
                throw new IllegalArgumentException("--slots must be >= 1, got " + slots);
            }
            if (restPort < 0 || restPort > 65535) {
                throw new IllegalArgumentException("--rest-port must be 0..65535, got " + restPort);
            }
            dir = dir.toAbsolutePath().normalize();
        }
    }

    /** One process of the cluster. */
    record Member(String name, Process process, Path log, Path out, int metricsPort) {
        long pid() {
            return process.pid();
        }

        String metricsUrl() {
            return "http://" + HOST + ":" + metricsPort + "/metrics";
        }
    }

    private final Settings settings;
    private final int restPort;
    private final Member jobManager;
    private final List<Member> taskManagers;
    private boolean closed;

    private FlinkSessionCluster(Settings settings, int restPort, Member jobManager, List<Member> taskManagers) {
        this.settings = settings;
        this.restPort = restPort;
        this.jobManager = jobManager;
        this.taskManagers = List.copyOf(taskManagers);
    }

    /**
     * Starts the JobManager and the TaskManagers and returns once every TaskManager has registered
     * (the REST API's {@code /taskmanagers} lists them all). On failure, stops what it started.
     *
     * @throws IllegalStateException when a port is taken, a process exits during start-up or the
     *     TaskManagers do not register within {@code readyTimeout}; the message names the log to read
     */
    static FlinkSessionCluster start(Settings settings, Duration readyTimeout) throws IOException, InterruptedException {
        Path dir = settings.dir();
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path logs = Files.createDirectories(dir.resolve("log"));
        Files.createDirectories(dir.resolve("checkpoints"));
        Files.createDirectories(dir.resolve("savepoints"));
        int restPort = settings.restPort() == 0 ? freePort() : requireFree(settings.restPort(), "--rest-port");
        PortPool metricsPorts = new PortPool(settings.metricsPorts());

        Configuration shared = sharedConfiguration(settings, restPort, freePort());
        writeConfig(conf, shared);
        String classpath = ClusterClasspath.asArgument();

        List<Member> started = new ArrayList<>();
        try {
            Member jobManager = launch("jobmanager", JOB_MANAGER_CLASS, jobManagerMemoryFlags(shared), classpath, conf, logs,
                    dir, metricsPorts.next(), Map.of());
            started.add(jobManager);
            List<Member> taskManagers = new ArrayList<>();
            for (int n = 1; n <= settings.taskManagers(); n++) {
                Member taskManager = launch("taskmanager-" + n, TASK_MANAGER_CLASS, taskManagerMemoryFlags(shared), classpath,
                        conf, logs, dir, metricsPorts.next(),
                        Map.of(TaskManagerOptions.TASK_MANAGER_RESOURCE_ID.key(), taskManagerId(n)));
                started.add(taskManager);
                taskManagers.add(taskManager);
            }
            FlinkSessionCluster cluster = new FlinkSessionCluster(settings, restPort, jobManager, taskManagers);
            cluster.awaitTaskManagers(readyTimeout);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            stopAll(started);
            throw e;
        }
    }

    /** The resource id of TaskManager {@code n} (1-based), as the REST API lists it. */
    static String taskManagerId(int n) {
        return "taskmanager-" + n;
    }

    String restUrl() {
        return "http://" + HOST + ":" + restPort;
    }

    Member jobManager() {
        return jobManager;
    }

    List<Member> taskManagers() {
        return taskManagers;
    }

    /** Stops every process: SIGTERM, then SIGKILL after {@link #STOP_TIMEOUT}; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Member> all = new ArrayList<>(taskManagers);
        all.add(jobManager);
        stopAll(all);
    }

    private void awaitTaskManagers(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no answer yet";
        FlinkRestClient rest = new FlinkRestClient(HOST + ":" + restPort);
        while (System.nanoTime() < deadline) {
            for (Member member : allMembers()) {
                if (!member.process().isAlive()) {
                    throw new IllegalStateException(member.name() + " exited with code " + member.process().exitValue()
                            + " while the cluster started; see " + member.log() + " and " + member.out());
                }
            }
            try {
                JsonNode registered = rest.get("/taskmanagers").path("taskmanagers");
                if (registered.size() >= taskManagers.size()) {
                    return;
                }
                lastProblem = registered.size() + " of " + taskManagers.size() + " TaskManagers registered";
            } catch (IOException | FlinkRestClient.RestException notYet) {
                lastProblem = notYet.getMessage();
            }
            Thread.sleep(POLL.toMillis());
        }
        throw new IllegalStateException("the cluster was not ready within " + timeout.toSeconds() + " s (" + lastProblem
                + "); see the logs in " + settings.dir().resolve("log"));
    }

    private List<Member> allMembers() {
        List<Member> all = new ArrayList<>();
        all.add(jobManager);
        all.addAll(taskManagers);
        return all;
    }

    /** What every process reads from {@code conf/config.yaml}. */
    static Configuration sharedConfiguration(Settings settings, int restPort, int rpcPort) {
        Path dir = settings.dir();
        Configuration config = new Configuration();
        config.set(JobManagerOptions.ADDRESS, HOST);
        config.set(JobManagerOptions.BIND_HOST, HOST);
        config.set(JobManagerOptions.PORT, rpcPort);
        config.set(JobManagerOptions.TOTAL_PROCESS_MEMORY, settings.jobManagerMemory());
        config.set(TaskManagerOptions.HOST, HOST);
        config.set(TaskManagerOptions.BIND_HOST, HOST);
        config.set(TaskManagerOptions.NUM_TASK_SLOTS, settings.slots());
        config.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, settings.taskManagerMemory());
        // A job at parallelism p takes its slots from as many TaskManagers as it can.
        config.set(TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE, TaskManagerOptions.TaskManagerLoadBalanceMode.SLOTS);
        config.set(RestOptions.ADDRESS, HOST);
        config.set(RestOptions.BIND_ADDRESS, HOST);
        config.set(RestOptions.PORT, restPort);
        config.set(WebOptions.SUBMIT_ENABLE, true);
        config.set(WebOptions.CANCEL_ENABLE, true);
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").toUri().toString());
        config.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, dir.resolve("savepoints").toUri().toString());
        // RocksDB (--state-backend rocksdb) uploads only new files per checkpoint; the heap backend ignores it.
        config.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        config.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, HEARTBEAT_INTERVAL);
        config.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, HEARTBEAT_TIMEOUT);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, RESTART_ATTEMPTS);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, RESTART_DELAY);
        config.set(CoreOptions.DEFAULT_PARALLELISM, 1);
        String reporter = ConfigConstants.METRICS_REPORTER_PREFIX + REPORTER + ".";
        config.setString(reporter + MetricOptions.REPORTER_FACTORY_CLASS.key(), LoopbackPrometheusReporterFactory.class.getName());
        config.setString(reporter + LoopbackPrometheusReporterFactory.HOST, HOST);
        // Label values as they are (run ids keep their '-' and '.'); the exposition format escapes what it must.
        config.setString(reporter + "filterLabelValueCharacters", "false");
        return config;
    }

    /** {@code config.yaml} (flat keys, which Flink 2's YAML reader accepts) and {@code log4j.properties}. */
    private static void writeConfig(Path conf, Configuration shared) throws IOException {
        StringBuilder yaml = new StringBuilder("# Written by cadc cluster at every start; per-process settings are -D flags on each command line.\n");
        new TreeMap<>(shared.toMap()).forEach((key, value) ->
                yaml.append(key).append(": '").append(value.replace("'", "''")).append("'\n"));
        Files.writeString(conf.resolve("config.yaml"), yaml.toString(), StandardCharsets.UTF_8);
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "# Written by cadc cluster: each process logs to the file named by its -Dlog.file.",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = MainAppender",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN",
                "appender.main.name = MainAppender",
                "appender.main.type = File",
                // Appending: Log4j reopens the file when it reconfigures (at shutdown too), which would truncate it.
                "appender.main.append = true",
                "appender.main.fileName = ${sys:log.file}",
                "appender.main.layout.type = PatternLayout",
                "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                ""), StandardCharsets.UTF_8);
    }

    /** JVM flags and dynamic properties for the JobManager's memory, as Flink's {@code jobmanager.sh} computes them. */
    private static MemoryFlags jobManagerMemoryFlags(Configuration shared) {
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(shared);
        return memoryFlags(JobManagerProcessUtils.generateJvmParametersStr(spec, shared),
                JobManagerProcessUtils.generateDynamicConfigsStr(spec));
    }

    /** The same for a TaskManager ({@code taskmanager.sh}); without them it fails: "'taskmanager.cpu.cores' is not set". */
    private static MemoryFlags taskManagerMemoryFlags(Configuration shared) {
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(shared);
        return memoryFlags(ProcessMemoryUtils.generateJvmParametersStr(spec), TaskExecutorProcessUtils.generateDynamicConfigsStr(spec));
    }

    /** JVM flags (before the main class) and {@code -D key=value} dynamic properties (after it). */
    record MemoryFlags(List<String> jvm, List<String> dynamicProperties) {}

    private static MemoryFlags memoryFlags(String jvmFlags, String dynamicProperties) {
        return new MemoryFlags(Arrays.asList(jvmFlags.trim().split("\\s+")), Arrays.asList(dynamicProperties.trim().split("\\s+")));
    }

    private static Member launch(String name, String mainClass, MemoryFlags memoryFlags, String classpath, Path conf, Path logs,
            Path dir, int metricsPort, Map<String, String> dynamic) throws IOException {
        Path log = logs.resolve(name + ".log");
        Path out = logs.resolve(name + ".out");
        Path tmp = Files.createDirectories(dir.resolve("tmp").resolve(name));
        // The logs named in the output are this run's: an earlier run's are replaced.
        Files.deleteIfExists(log);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(memoryFlags.jvm());
        command.addAll(JVM_MODULE_FLAGS);
        if (mainClass.equals(TASK_MANAGER_CLASS)) {
            command.add(TASK_MANAGER_GC);
        }
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configurationFile=" + conf.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.add("--configDir");
        command.add(conf.toString());
        command.addAll(memoryFlags.dynamicProperties());
        Map<String, String> properties = new TreeMap<>(dynamic);
        properties.put(ConfigConstants.METRICS_REPORTER_PREFIX + REPORTER + "." + LoopbackPrometheusReporterFactory.PORT,
                Integer.toString(metricsPort));
        properties.put(CoreOptions.TMP_DIRS.key(), tmp.toString());
        properties.put(WebOptions.TMP_DIR.key(), tmp.toString());
        properties.forEach((key, value) -> {
            command.add("-D");
            command.add(key + "=" + value);
        });
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .directory(dir.toFile())
                .start();
        LOG.debug("started {} (pid {}): {}", name, process.pid(), command);
        return new Member(name, process, log, out, metricsPort);
    }

    /** SIGTERM to every process, then SIGKILL to those still alive after {@link #STOP_TIMEOUT}. */
    private static void stopAll(List<Member> members) {
        members.forEach(member -> member.process().destroy());
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (Member member : members) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!member.process().waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    LOG.warn("{} (pid {}) did not stop within {} s; killing it", member.name(), member.pid(), STOP_TIMEOUT.toSeconds());
                    member.process().destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                member.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A free port on 127.0.0.1 (the OS's choice; free when asked, so a short race remains). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST, e);
        }
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(HOST, port), 1);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static int requireFree(int port, String option) {
        if (!isFree(port)) {
            throw new IllegalStateException(option + " " + port + " is taken on " + HOST
                    + " (another cluster or cadc job?); stop it or choose another port (0 = any free port)");
        }
        return port;
    }

    /** Ports handed out from a range such as {@code 9250-9260}, each free when handed out. */
    static final class PortPool {
        private final String range;
        private final int last;
        private int next;

        PortPool(String range) {
            this.range = range;
            String[] bounds = range.trim().split("-", -1);
            try {
                next = Integer.parseInt(bounds[0].trim());
                last = bounds.length == 1 ? next : Integer.parseInt(bounds[1].trim());
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("--metrics-ports must be PORT or FIRST-LAST, got '" + range + "'", e);
            }
            if (bounds.length > 2 || next < 1 || last > 65535 || last < next) {
                throw new IllegalArgumentException("--metrics-ports must be PORT or FIRST-LAST within 1..65535, got '" + range + "'");
            }
        }

        int next() {
            while (next <= last) {
                int candidate = next++;
                if (isFree(candidate)) {
                    return candidate;
                }
            }
            throw new IllegalStateException("no free port left in --metrics-ports " + range
                    + " (one per process: the JobManager and each TaskManager); give a wider range");
        }
    }
}
