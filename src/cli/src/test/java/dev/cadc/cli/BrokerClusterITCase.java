package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.testing.LocalKafkaCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code cadc broker --cluster 3}: three node JVMs, the bootstrap address printed, and a topic created
 * with the cluster's defaults gets three replicas and {@code min.insync.replicas=2}.
 */
class BrokerClusterITCase {

    private static final Pattern READY = Pattern.compile("cluster ready at (\\S+)");

    @Test
    void clusterModeStartsThreeNodesAndPrintsTheirAddress() throws Exception {
        CommandLine commandLine = CadcCommand.commandLine();
        commandLine.parseArgs("broker", "--cluster", "3");
        BrokerCommand broker = commandLine.getSubcommands().get("broker").getCommand();
        StringWriter output = new StringWriter();
        try (LocalKafkaCluster cluster = broker.startCluster(new PrintWriter(output))) {
            Matcher ready = READY.matcher(output.toString());
            assertThat(ready.find()).as("the ready line in:%n%s", output).isTrue();
            String bootstrap = ready.group(1);
            assertThat(bootstrap.split(",")).hasSize(3).allMatch(address -> address.startsWith("127.0.0.1:"));
            assertThat(output.toString()).contains("node 1: ", "node 2: ", "node 3: ", ", pid ");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                assertThat(admin.describeCluster().nodes().get()).hasSize(3);
                // The create response carries the replication factor and configs the cluster chose.
                var created = admin.createTopics(List.of(new NewTopic("cluster-defaults", Optional.of(2), Optional.empty())));
                assertThat(created.replicationFactor("cluster-defaults").get()).isEqualTo(3);
                assertThat(created.config("cluster-defaults").get().get("min.insync.replicas").value()).isEqualTo("2");
            }
        }
    }
}
