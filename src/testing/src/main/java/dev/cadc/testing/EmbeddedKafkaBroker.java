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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
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
 *
 * <p>With {@link Security#SASL_SSL} clients and the broker's inter-broker connections use one listener,
 * SASL_SSL with SCRAM-SHA-512 only, whose certificates, SCRAM user and client settings
 * {@link SaslSslSetup} keeps in the data directory; the KRaft controller listener stays PLAINTEXT on
 * loopback (it is reached by this process alone).
 *
 * <p>With a {@link ClusterMember} it is one node of a multi-node KRaft cluster (every node a broker and a
 * controller, as {@link LocalKafkaCluster} starts them in separate JVMs): the controller quorum is the
 * members' controller ports, and topics and the internal topics get three replicas with
 * {@code min.insync.replicas=2}, so losing one node loses no acknowledged write.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** Largest record the broker accepts; sketch batches of 40,000 rows at k = 1024 are ~160 MB,
     * so publishers split them, but a few MB per record must pass. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    /** How clients reach the broker. */
    public enum Security {
        /** One PLAINTEXT listener: no authentication, no encryption (tests, the demo). */
        PLAINTEXT,
        /** One SASL_SSL listener (SCRAM-SHA-512) for clients and the broker's own connections. */
        SASL_SSL
    }

    /**
     * One node of a multi-node KRaft cluster on loopback.
     *
     * @param nodeId this node's id, one of the quorum's
     * @param controllerQuorum {@code ID@127.0.0.1:PORT,...}: every member's id and controller port
     *     ({@code controller.quorum.voters}); this node's controller listens on its own entry's port
     * @param clusterId the id every member's storage is formatted with
     */
    public record ClusterMember(int nodeId, String controllerQuorum, String clusterId) {

        public ClusterMember {
            if (clusterId == null || clusterId.isBlank()) {
                throw new IllegalArgumentException("a cluster member needs the cluster id all members share");
            }
            if (!voters(controllerQuorum).containsKey(nodeId)) {
                throw new IllegalArgumentException("node id " + nodeId + " is not in the controller quorum '"
                        + controllerQuorum + "'; expected ID@127.0.0.1:PORT entries, one of them for node " + nodeId);
            }
        }

        /** A member whose cluster id is derived from the quorum, so members started with the same quorum agree. */
        public static ClusterMember of(int nodeId, String controllerQuorum) {
            java.util.UUID uuid = java.util.UUID.nameUUIDFromBytes(controllerQuorum.trim().getBytes(StandardCharsets.UTF_8));
            return new ClusterMember(nodeId, controllerQuorum, new Uuid(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits()).toString());
        }

        /** This node's controller port, from its quorum entry. */
        public int controllerPort() {
            return voters(controllerQuorum).get(nodeId);
        }

        /** How many nodes the quorum has. */
        public int size() {
            return voters(controllerQuorum).size();
        }

        /** The quorum's entries, node id to controller port; loopback addresses only. */
        static Map<Integer, Integer> voters(String quorum) {
            Map<Integer, Integer> voters = new LinkedHashMap<>();
            if (quorum == null || quorum.isBlank()) {
                throw new IllegalArgumentException("the controller quorum is empty; expected ID@127.0.0.1:PORT,...");
            }
            for (String entry : quorum.trim().split(",")) {
                java.util.regex.Matcher voter = java.util.regex.Pattern.compile("(\\d+)@(127\\.0\\.0\\.1|localhost):(\\d+)")
                        .matcher(entry.trim());
                if (!voter.matches()) {
                    throw new IllegalArgumentException("controller quorum entry '" + entry.trim()
                            + "' is not ID@127.0.0.1:PORT (this development cluster stays on loopback)");
                }
                if (voters.put(Integer.parseInt(voter.group(1)), Integer.parseInt(voter.group(3))) != null) {
                    throw new IllegalArgumentException("node id " + voter.group(1) + " appears twice in the controller quorum '" + quorum + "'");
                }
            }
            return voters;
        }
    }

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final int port;
    private final SaslSslSetup saslSsl;
    private final KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafkaBroker(Path dataDir, boolean deleteDataDirOnClose, int port, SaslSslSetup saslSsl, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        if (deleteDataDirOnClose) {
            // Also when the process is stopped by a signal, which skips close().
            TemporaryDirectories.deleteAtExit(dataDir);
        }
        this.port = port;
        this.saslSsl = saslSsl;
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
        return start(port, dataDir, deleteDataDirOnClose, Security.PLAINTEXT);
    }

    /**
     * As {@link #start(int, Path, boolean)}, with the given security. A data directory keeps the
     * security it was first formatted with: the SCRAM user can only be created at format time.
     *
     * @throws IllegalStateException also when {@code dataDir} was formatted with the other security
     */
    public static EmbeddedKafkaBroker start(int port, Path dataDir, boolean deleteDataDirOnClose, Security security) {
        return start(port, dataDir, deleteDataDirOnClose, security, null);
    }

    /**
     * Starts one PLAINTEXT node of a multi-node cluster and waits until clients can reach it, which
     * needs a majority of the quorum's controllers up: start the other members at the same time.
     *
     * @throws IllegalStateException also when {@code dataDir} was formatted for another cluster
     */
    public static EmbeddedKafkaBroker startMember(int port, Path dataDir, boolean deleteDataDirOnClose, ClusterMember member) {
        return start(port, dataDir, deleteDataDirOnClose, Security.PLAINTEXT, java.util.Objects.requireNonNull(member, "member"));
    }

    private static EmbeddedKafkaBroker start(int port, Path dataDir, boolean deleteDataDirOnClose, Security security,
            ClusterMember member) {
        int clientPort;
        int controllerPort;
        if (member != null) {
            controllerPort = member.controllerPort();
            clientPort = port == 0 ? LoopbackPorts.freeOtherThan(controllerPort) : requireFree(port);
        } else if (port == 0) {
            int[] ports = LoopbackPorts.free(2);
            clientPort = ports[0];
            controllerPort = ports[1];
        } else {
            clientPort = requireFree(port);
            controllerPort = LoopbackPorts.freeOtherThan(clientPort);
        }
        try {
            Files.createDirectories(dataDir);
            Path logDir = dataDir.resolve("kafka-logs");
            String clusterId = existingClusterId(logDir);
            requireSameSecurity(dataDir, clusterId != null, security);
            if (member != null && clusterId != null && !clusterId.equals(member.clusterId())) {
                throw new IllegalStateException(dataDir + " holds a node of cluster " + clusterId + ", not of cluster "
                        + member.clusterId() + " (another --controller-quorum or --cluster-id?); use a new --data-dir");
            }
            if (clusterId == null) {
                clusterId = member == null ? Uuid.randomUuid().toString() : member.clusterId();
            }
            SaslSslSetup saslSsl = security == Security.SASL_SSL ? SaslSslSetup.prepare(dataDir) : null;
            Properties props = serverProperties(clientPort, controllerPort, logDir, saslSsl, member);
            format(props, clusterId, dataDir, saslSsl);

            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, deleteDataDirOnClose, clientPort, saslSsl, server);
            try {
                broker.awaitReady();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            LOG.info("Kafka broker (cluster {}, {}{}) ready at {}, data in {}", clusterId, security,
                    member == null ? "" : ", node " + member.nodeId() + " of " + member.size(), broker.bootstrapServers(), logDir);
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Kafka data directory " + dataDir, e);
        }
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return LOOPBACK + ":" + port;
    }

    /**
     * What a client needs to connect: {@code bootstrap.servers} and, with SASL_SSL, the settings of
     * {@link #clientProperties()}.
     */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bootstrap.servers", bootstrapServers());
        if (saslSsl != null) {
            config.putAll(saslSsl.clientConfig());
        }
        return config;
    }

    /** The SASL_SSL client settings file ({@code DATA_DIR/client.properties}), absent without SASL_SSL. */
    public Optional<Path> clientProperties() {
        return Optional.ofNullable(saslSsl).map(SaslSslSetup::clientProperties);
    }

    /** The CA certificate clients trust ({@code DATA_DIR/ca.pem}), absent without SASL_SSL. */
    public Optional<Path> caCertificate() {
        return Optional.ofNullable(saslSsl).map(SaslSslSetup::caCertificate);
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
            TemporaryDirectories.delete(dataDir);
        }
        LOG.info("Kafka broker at {} stopped", bootstrapServers());
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        Map<String, Object> config = clientConfig();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
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

    private static Properties serverProperties(int clientPort, int controllerPort, Path logDir, SaslSslSetup saslSsl,
            ClusterMember member) {
        // The client listener is named after its protocol; the broker's own connections use it too.
        String listener = saslSsl == null ? "PLAINTEXT" : "SASL_SSL";
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(member == null ? NODE_ID : member.nodeId()));
        props.put("controller.quorum.voters", member == null ? NODE_ID + "@" + LOOPBACK + ":" + controllerPort : member.controllerQuorum().trim());
        props.put("listeners", listener + "://" + LOOPBACK + ":" + clientPort + "," + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + controllerPort);
        props.put("advertised.listeners", listener + "://" + LOOPBACK + ":" + clientPort);
        props.put("listener.security.protocol.map", listener + ":" + listener + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", listener);
        if (saslSsl != null) {
            saslSsl.addServerProperties(props, listener);
        }
        props.put("log.dirs", logDir.toString());
        props.put("auto.create.topics.enable", "true");
        props.put("num.partitions", "1");
        // One node: every internal topic has one replica. A cluster: up to three, and a write needs two
        // of them (min ISR), so that losing one node neither loses an acknowledged write nor stops writes.
        // Few partitions keep startup fast.
        String replicas = String.valueOf(member == null ? 1 : Math.min(3, member.size()));
        String minInsync = String.valueOf(member == null ? 1 : Math.max(1, Math.min(3, member.size()) - 1));
        props.put("default.replication.factor", replicas);
        props.put("min.insync.replicas", minInsync);
        props.put("offsets.topic.replication.factor", replicas);
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", replicas);
        props.put("transaction.state.log.min.isr", minInsync);
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", replicas);
        props.put("share.coordinator.state.topic.min.isr", minInsync);
        if (member != null) {
            // A node killed with SIGKILL is fenced (its partitions get new leaders) after this long
            // without a heartbeat; Kafka's 9 s default would stall clients for longer than needed here.
            props.put("broker.session.timeout.ms", "4000");
            props.put("broker.heartbeat.interval.ms", "500");
        }
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("message.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        props.put("replica.fetch.max.bytes", String.valueOf(MAX_MESSAGE_BYTES));
        // Client quotas (none unless set with the Admin API, as ThrottledSinkITCase does) measure rates over
        // 2 one-second windows instead of 11: a quota bites within seconds, not after a burst of 11 s.
        props.put("quota.window.num", "2");
        props.put("quota.window.size.seconds", "1");
        // Flink's exactly-once sink asks for up to 15 minutes; allow it.
        props.put("transaction.max.timeout.ms", String.valueOf(Duration.ofMinutes(15).toMillis()));
        return props;
    }

    /**
     * Formats the storage unless it is formatted already; with SASL_SSL the SCRAM user is created here
     * ({@code kafka-storage format --add-scram}), as a record of the metadata log's bootstrap.
     */
    private static void format(Properties props, String clusterId, Path dataDir, SaslSslSetup saslSsl) throws IOException {
        // Owner-only: with SASL_SSL it holds the keystore and inter-broker passwords.
        Path propsFile = dataDir.resolve("server.properties");
        Path written = Files.createTempFile(dataDir, ".server.properties", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (var out = Files.newOutputStream(written)) {
            props.store(out, "written by cadc's embedded broker; regenerated at every start");
        }
        Files.move(written, propsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        List<String> arguments = new ArrayList<>(List.of("format", "-t", clusterId, "-c", propsFile.toString(), "--ignore-formatted"));
        if (saslSsl != null) {
            arguments.addAll(List.of("--add-scram", saslSsl.scramFormatArgument()));
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exitCode;
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            exitCode = StorageTool.execute(arguments.toArray(String[]::new), printStream);
        }
        if (exitCode != 0) {
            throw new IllegalStateException("formatting Kafka storage in " + dataDir + " failed (exit " + exitCode
                    + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * A formatted data directory keeps its security: a PLAINTEXT one has no SCRAM user (it can only be
     * added at format time), and a SASL_SSL one is not to be opened to unauthenticated clients by mistake.
     */
    private static void requireSameSecurity(Path dataDir, boolean formatted, Security security) {
        boolean secured = SaslSslSetup.existsIn(dataDir);
        if (security == Security.SASL_SSL && formatted && !secured) {
            throw new IllegalStateException(dataDir + " holds a broker formatted without security; its SCRAM user can"
                    + " only be created when the storage is formatted: use a new --data-dir for --security sasl-ssl");
        }
        if (security == Security.PLAINTEXT && secured) {
            throw new IllegalStateException(dataDir + " holds a broker set up with --security sasl-ssl; start it with"
                    + " --security sasl-ssl again, or use another --data-dir for a PLAINTEXT broker");
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

    private static int requireFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " on 127.0.0.1 is taken (" + e.getMessage()
                    + "); stop what holds it or choose another with --port", e);
        }
    }
}
