package dev.cadc.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A multi-node KRaft cluster on loopback, each node (broker and controller) in a JVM of its own, so
 * that a test can {@code kill -9} one ({@link #kill(int)}) and see what clients and the job do.
 * Topics get three replicas and {@code min.insync.replicas=2} by default (see
 * {@link EmbeddedKafkaBroker.ClusterMember}).
 *
 * <p>Each node runs {@link KafkaClusterNode} with this JVM's classpath, and stops when this JVM closes
 * its standard input: on {@link #close()}, at this JVM's exit, and also when this JVM is killed, so no
 * node outlives its parent. Each node logs to {@code DATA_DIR/node-ID/node.log}.
 */
public final class LocalKafkaCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaCluster.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    /** One node's process and where it listens. */
    private record Node(int nodeId, int port, Path dataDir, Process process) {
        String address() {
            return LOOPBACK + ":" + port;
        }
    }

    private final Path dataDir;
    /** What close deletes: the caller's whole data directory (a retried start's attempt lives inside it), or null. */
    private final Path deleteOnClose;
    private final List<Node> nodes;
    private final Thread exitHook;
    private boolean closed;

    private LocalKafkaCluster(Path dataDir, Path deleteOnClose, List<Node> nodes) {
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.nodes = nodes;
        this.exitHook = new Thread(() -> nodes.forEach(node -> node.process().destroyForcibly()), "cadc-kafka-cluster-exit");
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /** Starts {@code size} nodes with a temporary data directory (deleted on close) and waits for all of them. */
    public static LocalKafkaCluster start(int size) {
        try {
            return start(size, Files.createTempDirectory("cadc-kafka-cluster-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary Kafka data directory", e);
        }
    }

    /**
     * Starts {@code size} nodes (ids 1..size) on free loopback ports, each with its data in
     * {@code dataDir/node-ID}, and waits until every one is registered with the cluster.
     *
     * @throws IllegalStateException when a node exits or the cluster is not complete within 90 s; the
     *     message quotes the end of the failing node's log
     */
    public static LocalKafkaCluster start(int size, Path dataDir, boolean deleteDataDirOnClose) {
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("a local cluster has 1..9 nodes, got " + size);
        }
        // Free ports are found, released, then bound by the nodes: on a busy machine another process can
        // take one in between and a node exits at start. Such a start is tried again with new ports.
        for (int attempt = 1; ; attempt++) {
            Path attemptDir = attempt == 1 ? dataDir : dataDir.resolve("attempt-" + attempt);
            try {
                return startOnce(size, attemptDir, deleteDataDirOnClose ? dataDir : null);
            } catch (NodeExitedException e) {
                if (attempt == START_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("a Kafka node exited while the cluster started ({}); starting again with other ports", e.getMessage());
            }
        }
    }

    private static final int START_ATTEMPTS = 3;

    /** A node process exited before the cluster was complete. */
    private static final class NodeExitedException extends IllegalStateException {
        NodeExitedException(String message) {
            super(message);
        }
    }

    private static LocalKafkaCluster startOnce(int size, Path dataDir, Path deleteOnClose) {
        // Every node's controller port, then its client port: all different (LoopbackPorts).
        int[] ports = LoopbackPorts.free(2 * size);
        StringBuilder quorum = new StringBuilder();
        for (int nodeId = 1; nodeId <= size; nodeId++) {
            quorum.append(nodeId == 1 ? "" : ",").append(nodeId).append('@').append(LOOPBACK).append(':').append(ports[nodeId - 1]);
        }
        EmbeddedKafkaBroker.ClusterMember first = EmbeddedKafkaBroker.ClusterMember.of(1, quorum.toString());
        List<Node> nodes = new ArrayList<>();
        LocalKafkaCluster cluster = new LocalKafkaCluster(dataDir, deleteOnClose, nodes);
        try {
            for (int nodeId = 1; nodeId <= size; nodeId++) {
                nodes.add(launch(nodeId, quorum.toString(), first.clusterId(), ports[size + nodeId - 1], dataDir.resolve("node-" + nodeId)));
            }
            cluster.awaitComplete();
        } catch (RuntimeException | IOException e) {
            cluster.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot start a Kafka node process", io);
            }
            throw (RuntimeException) e;
        }
        LOG.info("Kafka cluster of {} nodes (cluster {}) ready at {}", size, first.clusterId(), cluster.bootstrapServers());
        return cluster;
    }

    /** Every live node's {@code 127.0.0.1:PORT}, comma-separated, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return nodes.stream().filter(node -> node.process().isAlive()).map(Node::address).collect(Collectors.joining(","));
    }

    /** How many nodes were started. */
    public int size() {
        return nodes.size();
    }

    /** The client port of node {@code nodeId}. */
    public int port(int nodeId) {
        return node(nodeId).port();
    }

    /** The process id of node {@code nodeId}'s JVM. */
    public long pid(int nodeId) {
        return node(nodeId).process().pid();
    }

    /**
     * Kills node {@code nodeId}'s JVM with SIGKILL ({@code kill -9}: no controlled shutdown, no flush)
     * and waits until it is gone.
     */
    public void kill(int nodeId) {
        Process process = node(nodeId).process();
        process.destroyForcibly();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("Kafka node " + nodeId + " (pid " + process.pid() + ") survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing Kafka node " + nodeId, e);
        }
        LOG.info("Kafka node {} (pid {}) killed with SIGKILL", nodeId, process.pid());
    }

    /** The cluster's data directory (one {@code node-ID} directory per node). */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops every node still running (SIGKILL for any that does not stop within 20 s) and waits for it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Node node : nodes) {
            try {
                node.process().getOutputStream().close();
            } catch (IOException e) {
                node.process().destroyForcibly();
            }
        }
        for (Node node : nodes) {
            try {
                if (!node.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    LOG.warn("Kafka node {} did not stop within {} s; killing it", node.nodeId(), STOP_TIMEOUT.toSeconds());
                    node.process().destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                node.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs anyway
        }
        if (deleteOnClose != null) {
            TemporaryDirectories.deleteRecursively(deleteOnClose);
        }
        LOG.info("Kafka cluster stopped");
    }

    private Node node(int nodeId) {
        return nodes.stream().filter(node -> node.nodeId() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + nodeId + "; nodes are 1.." + nodes.size()));
    }

    private static Node launch(int nodeId, String quorum, String clusterId, int port, Path nodeDir) throws IOException {
        Files.createDirectories(nodeDir);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(),
                // Small and quick to start: three of these share a 2-core machine with the job.
                "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", absoluteClassPath(),
                KafkaClusterNode.class.getName(),
                "--node-id", String.valueOf(nodeId), "--controller-quorum", quorum, "--cluster-id", clusterId,
                "--port", String.valueOf(port), "--data-dir", nodeDir.toString());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(nodeDir.resolve("node.log").toFile())
                .start();
        return new Node(nodeId, port, nodeDir, process);
    }

    /** This JVM's classpath with absolute entries (a jar's manifest Class-Path is followed by the child too). */
    private static String absoluteClassPath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private void awaitComplete() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        String last = "no answer yet";
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                for (Node node : nodes) {
                    if (!node.process().isAlive()) {
                        throw new NodeExitedException("Kafka node " + node.nodeId() + " exited (code " + node.process().exitValue()
                                + ") while the cluster started; the end of its log " + node.dataDir().resolve("node.log")
                                + ":\n" + tail(node.dataDir().resolve("node.log")));
                    }
                }
                try {
                    int registered = admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size();
                    if (registered == nodes.size()) {
                        return;
                    }
                    last = registered + " of " + nodes.size() + " nodes registered";
                } catch (Exception e) {
                    last = e.getMessage();
                }
                try {
                    Thread.sleep(200); // poll interval of the deadline loop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the Kafka cluster started", e);
                }
            }
        }
        throw new IllegalStateException("the Kafka cluster at " + bootstrapServers() + " was not complete within "
                + READY_TIMEOUT.toSeconds() + " s (" + last + "); node logs are in " + dataDir);
    }

    private static String tail(Path log) {
        try (InputStream in = Files.newInputStream(log)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.substring(Math.max(0, text.length() - 4000));
        } catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }
}
