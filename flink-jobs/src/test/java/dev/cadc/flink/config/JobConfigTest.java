package dev.cadc.flink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.core.capability.ClusteringConfig;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.StagePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobConfigTest {

    @Test
    void defaults() {
        JobConfig config = JobConfig.defaults();

        assertThat(config.bootstrap).isEqualTo("127.0.0.1:9092");
        assertThat(config.sketchesTopic).isEqualTo("cadc.sketches");
        assertThat(config.groupId).isEqualTo("cadc-curation-job");
        assertThat(config.bounded).isFalse();
        assertThat(config.parallelism).isEqualTo(1);
        assertThat(config.checkpointIntervalMs).isEqualTo(2000);
        assertThat(config.stateBackend).isEqualTo("hashmap");
        assertThat(config.graceMs).isEqualTo(30_000);
        assertThat(config.transactionalIdPrefix).isEqualTo("cadc-curation");
        assertThat(config.runTtlMs).isEqualTo(86_400_000L);
        assertThat(config.sourceIdleMs).isEqualTo(5_000L);
        assertThat(config.backlogCheckpointIntervalMs).isEqualTo(30_000L);
        assertThat(config.catchesUp()).isTrue();

        CuratorConfig curator = config.curatorConfig();
        assertThat(curator).isEqualTo(CuratorConfig.defaults());
        assertThat(curator.budget().toString()).isEqualTo(CuratorConfig.DEFAULT_BUDGET);
        assertThat(curator.clustering()).isEqualTo(ClusteringConfig.defaults());
        assertThat(curator.stages().stages()).isEqualTo(StagePlan.DEFAULT_STAGES);
    }

    @Test
    void theBacklogIntervalLiesBetweenTheCheckpointIntervalAndTheTransactionsTimeout() {
        assertThat(JobConfig.of(Map.of("checkpoint-interval-ms", "30000")).catchesUp()).as("equal: no catching-up mode").isFalse();
        assertThat(JobConfig.of(Map.of("backlog-checkpoint-interval-ms", "300000")).backlogCheckpointIntervalMs).isEqualTo(300_000L);
        assertThat(JobConfig.of(Map.of("checkpoint-interval-ms", "60000")).catchesUp()).as("larger, and the backlog's not set").isFalse();
        assertThatThrownBy(() -> JobConfig.of(Map.of("checkpoint-interval-ms", "60000", "backlog-checkpoint-interval-ms", "30000")))
                .hasMessage("--backlog-checkpoint-interval-ms must be between --checkpoint-interval-ms (60000) and 300000, got 30000");
        assertThatThrownBy(() -> JobConfig.of(Map.of("backlog-checkpoint-interval-ms", "300001")))
                .hasMessageContaining("must be between");
    }

    @Test
    void kafkaConfigPropertiesReachEveryClient(@TempDir Path dir) throws Exception {
        Path properties = dir.resolve("client.properties");
        Files.writeString(properties, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");

        JobConfig config = JobConfig.of(Map.of("bootstrap", "kafka:9093", "kafka-config", properties.toString()));

        assertThat(config.kafkaProperties).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(config.kafkaClientConfig()).containsEntry("bootstrap.servers", "kafka:9093").containsEntry("security.protocol", "SASL_SSL");
        assertThatThrownBy(() -> JobConfig.of(Map.of("kafka-config", dir.resolve("missing").toString())))
                .hasMessageStartingWith("kafka-config:");
        assertThat(JobConfig.defaults().kafkaProperties).isEmpty();
    }

    @Test
    void theParameterTableInTheDocsIsTheCodes() throws Exception {
        String docs = Files.readString(Path.of(System.getProperty("basedir", "."), "..", "docs", "job.md"));
        assertThat(docs).as("docs/job.md lists JobConfig.markdownTable() exactly; regenerate it").contains(JobConfig.markdownTable());
    }

    @Test
    void everyParameterIsDescribedWithItsDefault() {
        assertThat(JobConfig.describe())
                .contains("--bootstrap", "(default 127.0.0.1:9092)", "--grace-ms", "(default 30000)", "--k-max",
                        "--duplicate-threshold", "(default 0.98)");
    }

    @Test
    void flagsOverrideTheYamlFileWhereverTheyStand(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, """
                bootstrap: kafka:9092
                budget: 0.1
                grace-ms: 5000
                parallelism: 4
                """);

        JobConfig flagsAfter = JobConfig.fromArgs(new String[] {"--config", yaml.toString(), "--budget", "500", "--bounded"});
        JobConfig flagsBefore = JobConfig.fromArgs(new String[] {"--grace-ms=7", "--config", yaml.toString(), "--parallelism", "2"});

        assertThat(flagsAfter.bootstrap).isEqualTo("kafka:9092");
        assertThat(flagsAfter.curatorConfig().budget().toString()).isEqualTo("500");
        assertThat(flagsAfter.graceMs).isEqualTo(5000);
        assertThat(flagsAfter.parallelism).isEqualTo(4);
        assertThat(flagsAfter.bounded).isTrue();
        assertThat(flagsBefore.graceMs).isEqualTo(7);
        assertThat(flagsBefore.parallelism).isEqualTo(2);
        assertThat(flagsBefore.curatorConfig().budget().toString()).isEqualTo("0.1");
        assertThat(flagsBefore.bootstrap).isEqualTo("kafka:9092");
    }

    @Test
    void anUnknownParameterIsRejectedByName(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> JobConfig.of(Map.of("grace", "10")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'grace'");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--paralelism", "2"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'paralelism'");

        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "bootstrap: kafka:9092\nkmax: 4\n");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--config", yaml.toString()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'kmax'");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "budget, 1.5",
        "budget, 0",
        "parallelism, 0",
        "state-backend, foo",
        "grace-ms, -1",
        "checkpoint-interval-ms, 10",
        "bounded, maybe",
        "duplicate-threshold, 1.5",
        "stages, 0",
        "k-min, 0",
        "seed, twelve",
    })
    void anInvalidValueIsRejectedNamingItsParameter(String name, String value) {
        assertThatThrownBy(() -> JobConfig.of(Map.of(name, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name)
                .hasMessageContaining(value);
    }

    @Test
    void kMaxBelowKMinIsRejectedNamingBoth() {
        assertThatThrownBy(() -> JobConfig.of(Map.of("k-min", "5", "k-max", "3")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k-max")
                .hasMessageContaining("k-min");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--k-max", "1"}))
                .as("k-max below the default k-min too")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k-max");
    }

    @Test
    void aYamlParameterMustBeAScalar(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "budget:\n  - 0.1\n  - 0.2\n");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--config", yaml.toString()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'budget'");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--config", dir.resolve("missing.yaml").toString()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.yaml");
    }
}
