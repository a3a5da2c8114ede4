package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.cluster.ClusterClasspath;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.Test;

/**
 * {@code cadc cluster}'s settings without starting processes: everything on loopback, a Flink-only
 * classpath, ports from a range. The processes themselves are in {@code ClusterFailoverITCase}.
 */
class FlinkSessionClusterTest {

    private static FlinkSessionCluster.Settings settings(int taskManagers, int slots, int restPort) {
        return new FlinkSessionCluster.Settings(taskManagers, slots, restPort, Path.of("cluster-dir"), "9250-9299",
                MemorySize.parse("1024m"), MemorySize.parse("1024m"));
    }

    @Test
    void everyAddressIsLoopbackAndStateGoesUnderTheDirectory() {
        Configuration config = FlinkSessionCluster.sharedConfiguration(settings(2, 2, 8081), 8081, 6123);

        assertThat(config.toMap()).containsEntry("jobmanager.rpc.address", "127.0.0.1")
                .containsEntry("jobmanager.bind-host", "127.0.0.1")
                .containsEntry("taskmanager.host", "127.0.0.1")
                .containsEntry("taskmanager.bind-host", "127.0.0.1")
                .containsEntry("rest.bind-address", "127.0.0.1")
                .containsEntry("metrics.reporter.prom.host", "127.0.0.1")
                .containsEntry("taskmanager.numberOfTaskSlots", "2");
        assertThat(config.toMap().get("execution.checkpointing.dir")).contains("cluster-dir/checkpoints");
        assertThat(config.toMap().get("execution.checkpointing.savepoint-dir")).contains("cluster-dir/savepoints");
    }

    @Test
    void theClasspathHoldsFlinkAndNoJobClasses() {
        List<String> names = ClusterClasspath.entries().stream().map(path -> path.getFileName().toString()).toList();

        assertThat(names).anyMatch(name -> name.startsWith("flink-runtime-web-"))
                .anyMatch(name -> name.startsWith("flink-statebackend-rocksdb-"))
                .anyMatch(name -> name.startsWith("flink-metrics-prometheus-"))
                .anyMatch(name -> name.startsWith("flink-clients-"))
                .noneMatch(name -> name.startsWith("cadc-flink-jobs") || name.startsWith("cadc-core")
                        || name.startsWith("flink-connector-kafka") || name.startsWith("kafka-clients"));
    }

    @Test
    void badSettingsFailNamingTheOption() {
        assertThatThrownBy(() -> settings(0, 2, 8081)).hasMessageContaining("--taskmanagers must be >= 1");
        assertThatThrownBy(() -> settings(1, 0, 8081)).hasMessageContaining("--slots must be >= 1");
        assertThatThrownBy(() -> settings(1, 1, 70000)).hasMessageContaining("--rest-port must be 0..65535");
        assertThatThrownBy(() -> new FlinkSessionCluster.PortPool("9250-")).hasMessageContaining("--metrics-ports");
        assertThatThrownBy(() -> new FlinkSessionCluster.PortPool("9260-9250")).hasMessageContaining("--metrics-ports");
    }

    @Test
    void aTakenRestPortFailsBeforeAnyProcessStarts(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            var settings = new FlinkSessionCluster.Settings(1, 1, taken.getLocalPort(), dir, "9250-9299",
                    MemorySize.parse("1024m"), MemorySize.parse("1024m"));

            assertThatThrownBy(() -> FlinkSessionCluster.start(settings, java.time.Duration.ofSeconds(5)))
                    .hasMessageContaining("--rest-port " + taken.getLocalPort() + " is taken on 127.0.0.1");
            assertThat(ProcessHandle.current().children()).as("processes started").isEmpty();
        }
    }

    @Test
    void metricsPortsSkipTakenOnesAndRunOut() throws Exception {
        // A taken port whose next one is free: any process on the machine may hold the next one (it did once in CI).
        for (int attempt = 1; ; attempt++) {
            try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                int port = taken.getLocalPort();
                if (port == 65535 || !FlinkSessionCluster.isFree(port + 1)) {
                    assertThat(attempt).as("attempts to find a taken port with a free one after it").isLessThan(100);
                    continue;
                }
                FlinkSessionCluster.PortPool pool = new FlinkSessionCluster.PortPool(port + "-" + (port + 1));
                int handedOut = pool.next();
                assertThat(handedOut).isEqualTo(port + 1);
                assertThatThrownBy(pool::next).hasMessageContaining("no free port left in --metrics-ports");
                return;
            }
        }
    }
}
