package dev.cadc.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker keeps its cluster id and topics across restarts on one data directory. */
class EmbeddedKafkaBrokerITCase {

    @Test
    void restartOnTheSameDataDirectoryKeepsClusterIdAndTopics(@TempDir Path dataDir) throws Exception {
        String clusterId;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dataDir, false);
                Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
            clusterId = admin.describeCluster().clusterId().get();
            admin.createTopics(List.of(new NewTopic("kept-topic", 2, (short) 1))).all().get();
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, dataDir, false);
                Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            assertThat(admin.describeCluster().clusterId().get()).isEqualTo(clusterId);
            assertThat(admin.listTopics().names().get()).contains("kept-topic");
        }
    }

    @Test
    void aTakenPortIsAClearError(@TempDir Path dataDir) {
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start()) {
            assertThatThrownBy(() -> EmbeddedKafkaBroker.start(first.port(), dataDir, false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + first.port())
                    .hasMessageContaining("--port");
        }
    }
}
