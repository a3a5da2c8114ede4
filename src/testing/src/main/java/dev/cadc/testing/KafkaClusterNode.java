package dev.cadc.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The main class of one node's JVM in a {@link LocalKafkaCluster}: starts an {@link EmbeddedKafkaBroker}
 * cluster member and runs until its standard input closes (the parent closed it, or died: then this JVM
 * must not outlive it) or it gets SIGTERM; SIGKILL is what fault tests send it.
 *
 * <p>Arguments: {@code --node-id N --controller-quorum ID@127.0.0.1:PORT,... --cluster-id ID --port PORT
 * --data-dir DIR}. Not API: {@link LocalKafkaCluster} is.
 */
public final class KafkaClusterNode {

    /** Printed on standard output once the node answers clients. */
    static final String READY = "cadc-kafka-node-ready";

    private KafkaClusterNode() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        EmbeddedKafkaBroker.ClusterMember member = new EmbeddedKafkaBroker.ClusterMember(
                Integer.parseInt(required(options, "--node-id")), required(options, "--controller-quorum"),
                required(options, "--cluster-id"));
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startMember(Integer.parseInt(required(options, "--port")),
                Path.of(required(options, "--data-dir")), false, member);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "cadc-kafka-node-shutdown"));
        System.out.println(READY + " " + broker.bootstrapServers());
        System.out.flush();
        // Block until the parent closes our standard input (or dies), then stop; a controlled shutdown
        // that waits for peers that are gone must not keep this JVM alive, hence the halt.
        InputStream in = System.in;
        while (in.read() >= 0) {
            // the parent never writes; any byte is ignored
        }
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(1);
        }, "cadc-kafka-node-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(0);
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("KafkaClusterNode needs " + name + " VALUE");
        }
        return value;
    }
}
