package dev.cadc.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Kafka broker in KRaft mode (broker and controller in one process), bound to
 * loopback. Tests, the demo and {@code cadc broker} start it in-process; it is the same server code a
 * production cluster runs, not a mock.
 *
 * <p>The data directory keeps its cluster id across restarts: when it was formatted before, the id in
 * its {@code meta.properties} is reused, so a development broker can be stopped and started again
 * without losing topics.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** Largest record the broker accepts; sketch batches of 40,000 rows at k = 1024 are ~160 MB,
     * so publishers split them, but a few MB per record must pass. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final int port;
    private final KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafkaBroker(Path dataDir, boolean deleteDataDirOnClose, int port, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        this.port = port;
        this.server = server;
    }

    /** Starts a broker on a free loopback port with a temporary data directory, deleted on close. */
    public static EmbeddedKafkaBroker start() {
        try {
            return start(0, Files.createTempDirectory("cadc-kafka-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary Kafka data directory", e);
        }
    }

    /**
     * Starts a broker and waits until a client can reach it.
     *
     * @param port the client port on 127.0.0.1, or 0 for a free one
     * @param dataDir where the log and metadata live; created when missing
     * @param deleteDataDirOnClose whether {@link #close()} removes {@code dataDir}
     * @throws IllegalStateException when the port is taken or the broker does not come up in time
     */
    public static EmbeddedKafkaBroker start(int port, Path dataDir, boolean deleteDataDirOnClose) {
        int clientPort = port == 0 ? freePort() : requireFree(port);
        int controllerPort = freePort();
        try {
            Files.createDirectories(dataDir);
            Path logDir = dataDir.resolve("kafka-logs");
            String clusterId = existingClusterId(logDir);
            if (clusterId == null) {
                clusterId = Uuid.randomUuid().toString();
            }
            Properties props = serverProperties(clientPort, controllerPort, logDir);
            format(props, clusterId, dataDir);

            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, deleteDataDirOnClose, clientPort, server);
            try {
                broker.awaitReady();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            LOG.info("Kafka broker (cluster {}) ready at {}, data in {}", clusterId, broker.bootstrapServers(), logDir);
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Kafka data directory " + dataDir, e);
        }
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return LOOPBACK + ":" + port;
    }

    /** The client port. */
    public int port() {
        return port;
    }

    /** The data directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the broker down and waits for it; removes the data directory when it was temporary. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (deleteDataDirOnClose) {
            deleteRecursively(dataDir);
        }
        LOG.info("Kafka broker at {} stopped", bootstrapServers());
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        RuntimeException last = null;
        try (Admin admin = Admin.create(config)) {
            while (Instant.now().isBefore(deadline)) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = new IllegalStateException(e.getMessage(), e);
                }
            }
        }
        throw new IllegalStateException(
                "Kafka broker at " + bootstrapServers() + " did not answer within " + READY_TIMEOUT.toSeconds()
                        + " s; see the log above for the broker's own error", last);
    }

    private static Properties serverProperties(int clientPort, int controllerPort, Path logDir) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + clientPort);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("auto.create.topics.enable", "true");
        props.put("num.partitions", "1");
        // One node: every internal topic has one replica, and few partitions keep startup fast.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        props.put("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        // Flink's exactly-once sink asks for up to 15 minutes; allow it.
        props.put("transaction.max.timeout.ms", String.valueOf(Duration.ofMinutes(15).toMillis()));
        return props;
    }

    private static void format(Properties props, String clusterId, Path dataDir) throws IOException {
        Path propsFile = dataDir.resolve("server.properties");
        try (var out = Files.newOutputStream(propsFile)) {
            props.store(out, "written by cadc's embedded broker; regenerated at every start");
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exitCode;
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            exitCode = StorageTool.execute(
                    new String[] {"format", "-t", clusterId, "-c", propsFile.toString(), "--ignore-formatted"},
                    printStream);
        }
        if (exitCode != 0) {
            throw new IllegalStateException("formatting Kafka storage in " + dataDir + " failed (exit " + exitCode
                    + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }

    private static String existingClusterId(Path logDir) throws IOException {
        Path meta = logDir.resolve("meta.properties");
        if (!Files.isRegularFile(meta)) {
            return null;
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            properties.load(in);
        }
        return properties.getProperty("cluster.id");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port", e);
        }
    }

    private static int requireFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " on 127.0.0.1 is taken (" + e.getMessage()
                    + "); stop what holds it or choose another with --port", e);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warn("could not delete {}: {}", path, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.getMessage());
        }
    }
}
