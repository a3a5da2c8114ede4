package dev.cadc.cli;

import dev.cadc.testing.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cadc broker}: a local development Kafka broker (real KRaft server, one node, loopback) that
 * runs in the foreground until Ctrl-C or SIGTERM.
 */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        header = "Run a local development Kafka broker (KRaft) until Ctrl-C.",
        description = {
            "Run a local Kafka broker (KRaft, one node, 127.0.0.1) in the foreground until Ctrl-C or SIGTERM.",
            "Prints 'broker ready at 127.0.0.1:PORT' when clients can connect. Topics are auto-created;",
            "CADC's publisher and job create the topics they need with their own settings."
        })
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (0 = any free port; default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", description = "Keep the broker's data here across restarts (its cluster id is reused). "
            + "Without it, a temporary directory is used and deleted on exit.")
    Path dataDir;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        }
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("cadc-broker-") : dataDir.toAbsolutePath();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, dir, temporary);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping broker at " + broker.bootstrapServers());
            broker.close();
            stopped.countDown();
        }, "cadc-broker-shutdown"));
        System.out.println("broker ready at " + broker.bootstrapServers());
        System.out.println("data in " + broker.dataDir() + (temporary ? " (deleted on exit)" : ""));
        System.out.flush();
        stopped.await();
        return 0;
    }
}
