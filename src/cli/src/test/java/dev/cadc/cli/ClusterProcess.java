package dev.cadc.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cadc cluster} as a user runs it: {@code java -jar target/cadc-cli.jar cluster ...} in its own
 * process, its standard output (in {@code DIR/cadc-cluster.out}) parsed for the REST address and the TaskManagers' pids and metrics
 * endpoints. {@link #close()} sends SIGTERM (the command's shutdown hook stops its processes), then
 * kills with SIGKILL whatever of the command and its JobManager and TaskManagers is still alive, so a
 * failed test leaves no process behind.
 */
final class ClusterProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("cluster ready at http://(\\S+)");
    private static final Pattern TASK_MANAGER = Pattern.compile("taskmanager (\\d+) pid (\\d+) log \\S+ metrics (\\S+)");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);

    private final Process command;
    /** The command's standard output, in a file: reading a pipe races with the JDK's drain at process exit. */
    private final Path outputFile;
    private final List<ProcessHandle> started = new ArrayList<>();
    private String restAddress;
    private final Map<Integer, Long> taskManagerPids = new TreeMap<>();
    private final Map<Integer, String> metricsUrls = new TreeMap<>();

    private ClusterProcess(Process command, Path outputFile) {
        this.command = command;
        this.outputFile = outputFile;
    }

    /** Starts the command and returns once it printed every TaskManager's line (or fails with its output). */
    static ClusterProcess start(Path dir, int taskManagers, int slots, Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> javaCommand = new ArrayList<>();
        javaCommand.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        javaCommand.add("-jar");
        javaCommand.add(cliJar().toString());
        javaCommand.addAll(List.of("cluster", "--taskmanagers", Integer.toString(taskManagers), "--slots", Integer.toString(slots),
                "--rest-port", "0", "--dir", dir.toString()));
        Path outputFile = dir.resolve("cadc-cluster.out");
        Process process = new ProcessBuilder(javaCommand)
                .redirectOutput(outputFile.toFile())
                .redirectError(dir.resolve("cadc-cluster.err").toFile())
                .start();
        ClusterProcess cluster = new ClusterProcess(process, outputFile);
        try {
            cluster.awaitReady(taskManagers, timeout);
        } catch (RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** The CLI's jar as the build packaged it (failsafe runs after package): target/cadc-cli.jar. */
    private static Path cliJar() {
        try {
            Path classes = Path.of(ClusterProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path jar = classes.getParent().resolve("cadc-cli.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: run the ITCases with mvn verify (after package)");
            }
            return jar;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady(int taskManagers, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String text = output();
            Matcher ready = READY.matcher(text);
            Matcher taskManager = TASK_MANAGER.matcher(text);
            while (taskManager.find()) {
                taskManagerPids.put(Integer.parseInt(taskManager.group(1)), Long.parseLong(taskManager.group(2)));
                metricsUrls.put(Integer.parseInt(taskManager.group(1)), taskManager.group(3));
            }
            if (ready.find() && taskManagerPids.size() == taskManagers) {
                restAddress = ready.group(1);
                started.addAll(command.descendants().toList());
                return;
            }
            if (!command.isAlive()) {
                throw new IllegalStateException("cadc cluster exited with code " + command.exitValue() + ":\n" + text);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("cadc cluster was not ready within " + timeout.toSeconds() + " s:\n" + output());
    }

    String restAddress() {
        return restAddress;
    }

    /** TaskManager number (1-based, as printed) to pid. */
    Map<Integer, Long> taskManagerPids() {
        return taskManagerPids;
    }

    Map<Integer, String> metricsUrls() {
        return metricsUrls;
    }

    String output() {
        try {
            return Files.readString(outputFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + outputFile, e);
        }
    }

    boolean isAlive() {
        return command.isAlive();
    }

    /** How {@link #stop()} went: the command's exit code, and the processes SIGTERM left alive (then killed). */
    record Stopped(int exitCode, List<ProcessHandle> survivors) {}

    /**
     * SIGTERM to the command (as Ctrl-C or a service manager stops it); SIGKILL to it and to every
     * process it started that outlives {@link #STOP_TIMEOUT}.
     */
    Stopped stop() throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(started);
        all.addAll(command.descendants().toList());
        command.destroy();
        if (!command.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            command.destroyForcibly().waitFor();
        }
        List<ProcessHandle> survivors = all.stream().filter(ProcessHandle::isAlive).distinct().toList();
        survivors.forEach(ProcessHandle::destroyForcibly);
        return new Stopped(command.exitValue(), survivors);
    }

    @Override
    public void close() {
        if (command.isAlive() || started.stream().anyMatch(ProcessHandle::isAlive)) {
            try {
                stop();
            } catch (InterruptedException e) {
                // Interrupted while waiting for a graceful stop: kill the rest at once.
                command.destroyForcibly();
                started.forEach(ProcessHandle::destroyForcibly);
                Thread.currentThread().interrupt();
            }
        }
    }
}
