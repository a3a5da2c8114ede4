package dev.cadc.cli;

import dev.cadc.testing.EmbeddedKafkaBroker;
import dev.cadc.testing.LocalKafkaCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cadc broker}: a local development Kafka broker (real KRaft server, one node, loopback) that
 * runs in the foreground until Ctrl-C or SIGTERM; with {@code --security sasl-ssl} its clients must
 * authenticate (SCRAM-SHA-512 over TLS) with the settings it writes to the data directory. With
 * {@code --node-id} and {@code --controller-quorum} it is one node of a multi-node KRaft cluster; with
 * {@code --cluster N} it starts N such nodes, each in a JVM of its own, for fault tests by hand.
 */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        header = "Run a local development Kafka broker (KRaft) until Ctrl-C.",
        description = {
            "Run a local Kafka broker (KRaft, one node, 127.0.0.1) in the foreground until Ctrl-C or SIGTERM.",
            "Prints 'broker ready at 127.0.0.1:PORT' when clients can connect. Topics are auto-created;",
            "CADC's publisher and job create the topics they need with their own settings.",
            "--security sasl-ssl: clients and the broker itself connect over SASL_SSL only (SCRAM-SHA-512, a",
            "certificate for 127.0.0.1 and localhost signed by a CA made for this data directory). The broker",
            "writes DIR/ca.pem and DIR/client.properties (owner-only); pass the latter to every command with",
            "--kafka-config DIR/client.properties. The user's password is in that file only.",
            "--cluster 3: three nodes (each a broker and a controller, each its own JVM) on free ports; prints",
            "'cluster ready at 127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3' (the bootstrap address) and each node's pid,",
            "so that one can be killed with kill -9. Topics get 3 replicas and min.insync.replicas=2.",
            "--node-id N --controller-quorum 1@127.0.0.1:C1,2@127.0.0.1:C2,3@127.0.0.1:C3: one node of such a",
            "cluster; start one per quorum entry (each with its own --port and --data-dir)."
        })
final class BrokerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (0 = any free port; default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", description = "Keep the broker's data here across restarts (its cluster id is reused). "
            + "Without it, a temporary directory is used and deleted on exit.")
    Path dataDir;

    @Option(names = "--security", defaultValue = "none", paramLabel = "none|sasl-ssl",
            description = "none (PLAINTEXT, the default) or sasl-ssl (SCRAM-SHA-512 over TLS; a data directory keeps "
                    + "the security it was first started with).")
    String security;

    @Option(names = "--node-id", description = "Start one node of a multi-node cluster with this id (needs --controller-quorum).")
    Integer nodeId;

    @Option(names = "--controller-quorum", paramLabel = "ID@127.0.0.1:PORT,...",
            description = "Every node's id and controller port (controller.quorum.voters); this node's controller listens on its own entry's port.")
    String controllerQuorum;

    @Option(names = "--cluster-id", description = "The cluster id every node is formatted with (default: derived from --controller-quorum, "
            + "so nodes given the same quorum agree).")
    String clusterId;

    @Option(names = "--cluster", paramLabel = "N", description = "Start N nodes (1..9), each in its own JVM, on free ports; prints their bootstrap address.")
    Integer cluster;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (cluster != null) {
            return runCluster(spec.commandLine().getOut());
        }
        EmbeddedKafkaBroker broker = start(spec.commandLine().getOut());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping broker at " + broker.bootstrapServers());
            broker.close();
            stopped.countDown();
        }, "cadc-broker-shutdown"));
        stopped.await();
        return 0;
    }

    /** Starts the broker and prints where it is and, with SASL_SSL, where the client settings are (never the password). */
    EmbeddedKafkaBroker start(PrintWriter out) throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        }
        EmbeddedKafkaBroker.Security protocol = security();
        EmbeddedKafkaBroker.ClusterMember member = member(protocol);
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("cadc-broker-") : dataDir.toAbsolutePath();
        EmbeddedKafkaBroker broker = member == null
                ? EmbeddedKafkaBroker.start(port, dir, temporary, protocol)
                : EmbeddedKafkaBroker.startMember(port, dir, temporary, member);
        out.println("broker ready at " + broker.bootstrapServers()
                + (protocol == EmbeddedKafkaBroker.Security.SASL_SSL ? " (SASL_SSL only, SCRAM-SHA-512)" : "")
                + (member == null ? "" : " (node " + member.nodeId() + " of " + member.size() + ", cluster " + member.clusterId() + ")"));
        out.println("data in " + broker.dataDir() + (temporary ? " (deleted on exit)" : ""));
        broker.clientProperties().ifPresent(file -> out.println("client settings in " + file
                + " (owner-only; give it to every command: --kafka-config " + file + ")"));
        broker.caCertificate().ifPresent(file -> out.println("CA certificate in " + file));
        out.flush();
        return broker;
    }

    /** {@code --cluster N}: starts the nodes, prints the bootstrap address, waits for Ctrl-C, stops them. */
    private int runCluster(PrintWriter out) throws IOException, InterruptedException {
        LocalKafkaCluster nodes = startCluster(out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping the cluster at " + nodes.bootstrapServers());
            nodes.close();
            stopped.countDown();
        }, "cadc-cluster-shutdown"));
        stopped.await();
        return 0;
    }

    /** Starts the {@code --cluster} nodes and prints their bootstrap address, each node's port and pid, and where the logs are. */
    LocalKafkaCluster startCluster(PrintWriter out) throws IOException {
        if (cluster < 1 || cluster > 9) {
            throw new IllegalArgumentException("--cluster must be 1..9 nodes, got " + cluster);
        }
        if (nodeId != null || controllerQuorum != null || clusterId != null) {
            throw new IllegalArgumentException("--cluster starts every node itself: leave out --node-id, --controller-quorum and --cluster-id");
        }
        if (security() != EmbeddedKafkaBroker.Security.PLAINTEXT) {
            throw new IllegalArgumentException("--cluster runs PLAINTEXT only; for SASL_SSL start a single broker (--security sasl-ssl without --cluster)");
        }
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("cadc-cluster-") : dataDir.toAbsolutePath();
        LocalKafkaCluster nodes = LocalKafkaCluster.start(cluster, dir, temporary);
        out.println("cluster ready at " + nodes.bootstrapServers());
        for (int node = 1; node <= nodes.size(); node++) {
            out.println("node " + node + ": 127.0.0.1:" + nodes.port(node) + ", pid " + nodes.pid(node));
        }
        out.println("data and node logs in " + nodes.dataDir() + (temporary ? " (deleted on exit)" : ""));
        out.flush();
        return nodes;
    }

    private EmbeddedKafkaBroker.ClusterMember member(EmbeddedKafkaBroker.Security protocol) {
        if (nodeId == null && controllerQuorum == null && clusterId == null) {
            return null;
        }
        if (nodeId == null || controllerQuorum == null) {
            throw new IllegalArgumentException("one node of a cluster needs both --node-id and --controller-quorum");
        }
        if (protocol != EmbeddedKafkaBroker.Security.PLAINTEXT) {
            throw new IllegalArgumentException("a cluster node runs PLAINTEXT only; leave out --security");
        }
        return clusterId == null
                ? EmbeddedKafkaBroker.ClusterMember.of(nodeId, controllerQuorum)
                : new EmbeddedKafkaBroker.ClusterMember(nodeId, controllerQuorum, clusterId);
    }

    private EmbeddedKafkaBroker.Security security() {
        return switch (security.trim().toLowerCase(Locale.ROOT)) {
            case "none", "plaintext" -> EmbeddedKafkaBroker.Security.PLAINTEXT;
            case "sasl-ssl", "sasl_ssl" -> EmbeddedKafkaBroker.Security.SASL_SSL;
            default -> throw new IllegalArgumentException("--security must be none or sasl-ssl, got '" + security + "'");
        };
    }
}
