package dev.cadc.cli;

import dev.cadc.testing.EmbeddedKafkaBroker;
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
 * authenticate (SCRAM-SHA-512 over TLS) with the settings it writes to the data directory.
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
            "--kafka-config DIR/client.properties. The user's password is in that file only."
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

    @Override
    public Integer call() throws IOException, InterruptedException {
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
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("cadc-broker-") : dataDir.toAbsolutePath();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, dir, temporary, protocol);
        out.println("broker ready at " + broker.bootstrapServers()
                + (protocol == EmbeddedKafkaBroker.Security.SASL_SSL ? " (SASL_SSL only, SCRAM-SHA-512)" : ""));
        out.println("data in " + broker.dataDir() + (temporary ? " (deleted on exit)" : ""));
        broker.clientProperties().ifPresent(file -> out.println("client settings in " + file
                + " (owner-only; give it to every command: --kafka-config " + file + ")"));
        broker.caCertificate().ifPresent(file -> out.println("CA certificate in " + file));
        out.flush();
        return broker;
    }

    private EmbeddedKafkaBroker.Security security() {
        return switch (security.trim().toLowerCase(Locale.ROOT)) {
            case "none", "plaintext" -> EmbeddedKafkaBroker.Security.PLAINTEXT;
            case "sasl-ssl", "sasl_ssl" -> EmbeddedKafkaBroker.Security.SASL_SSL;
            default -> throw new IllegalArgumentException("--security must be none or sasl-ssl, got '" + security + "'");
        };
    }
}
