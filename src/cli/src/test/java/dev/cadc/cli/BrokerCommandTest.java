package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.testing.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code cadc broker}'s cluster options: what a wrong combination says, before any broker starts. */
class BrokerCommandTest {

    @Test
    void aClusterNodeNeedsItsIdAndTheQuorum() {
        assertThat(fails("broker", "--node-id", "1")).contains("needs both --node-id and --controller-quorum");
        assertThat(fails("broker", "--controller-quorum", "1@127.0.0.1:19093")).contains("needs both --node-id and --controller-quorum");
    }

    @Test
    void theNodeMustBeInTheQuorumAndTheQuorumOnLoopback() {
        assertThat(fails("broker", "--node-id", "4", "--controller-quorum", "1@127.0.0.1:19093,2@127.0.0.1:19094"))
                .contains("node id 4 is not in the controller quorum");
        assertThat(fails("broker", "--node-id", "1", "--controller-quorum", "1@10.0.0.1:19093"))
                .contains("is not ID@127.0.0.1:PORT");
    }

    @Test
    void clusterModeStartsEveryNodeItselfAndRunsPlaintext() {
        assertThat(fails("broker", "--cluster", "3", "--node-id", "1")).contains("leave out --node-id");
        assertThat(fails("broker", "--cluster", "3", "--security", "sasl-ssl")).contains("PLAINTEXT only");
        assertThat(fails("broker", "--cluster", "0")).contains("--cluster must be 1..9");
        assertThat(fails("broker", "--node-id", "1", "--controller-quorum", "1@127.0.0.1:19093", "--security", "sasl-ssl"))
                .contains("PLAINTEXT only");
    }

    @Test
    void nodesGivenTheSameQuorumAgreeOnTheClusterId() {
        String quorum = "1@127.0.0.1:19093,2@127.0.0.1:19094,3@127.0.0.1:19095";
        EmbeddedKafkaBroker.ClusterMember first = EmbeddedKafkaBroker.ClusterMember.of(1, quorum);
        EmbeddedKafkaBroker.ClusterMember third = EmbeddedKafkaBroker.ClusterMember.of(3, quorum);
        assertThat(third.clusterId()).isEqualTo(first.clusterId());
        assertThat(third.controllerPort()).isEqualTo(19095);
        assertThat(first.size()).isEqualTo(3);
        assertThat(EmbeddedKafkaBroker.ClusterMember.of(1, "1@127.0.0.1:19093").clusterId()).isNotEqualTo(first.clusterId());
    }

    /** Runs the command, expects exit code 1 and returns its one error line. */
    private static String fails(String... args) {
        CommandLine commandLine = CadcCommand.commandLine();
        StringWriter errors = new StringWriter();
        commandLine.setErr(new PrintWriter(errors));
        assertThat(commandLine.execute(args)).as("exit code of cadc %s", String.join(" ", args)).isEqualTo(1);
        assertThat(errors.toString().lines()).as("one error line").hasSize(1);
        return errors.toString();
    }
}
