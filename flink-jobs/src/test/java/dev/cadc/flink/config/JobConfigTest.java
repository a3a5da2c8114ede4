package dev.cadc.flink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        JobConfig config = JobConfig.defaults();
        assertThat(config.budget).isEqualTo("0.05");
        assertThat(config.parallelism).isEqualTo(1);
        assertThat(config.bounded).isFalse();
        assertThat(config.curatorConfig().stages().stages()).isEqualTo(3);
        assertThat(JobConfig.describe()).contains("--budget").contains("--grace-ms").contains("--duplicate-threshold");
    }

    @Test
    void flagsOverrideTheYamlFile(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(yaml, "budget: 0.1\nstages: 4\nparallelism: 2\n");
        JobConfig config = JobConfig.fromArgs(new String[] {"--config", yaml.toString(), "--parallelism", "3", "--bounded"});
        assertThat(config.budget).isEqualTo("0.1");
        assertThat(config.stages).isEqualTo(4);
        assertThat(config.parallelism).isEqualTo(3);
        assertThat(config.bounded).isTrue();
    }

    @Test
    void unknownNamesAndBadValuesAreRejectedByName(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> JobConfig.of(Map.of("budgt", "0.1"))).hasMessageContaining("budgt");
        assertThatThrownBy(() -> JobConfig.of(Map.of("k-min", "5", "k-max", "3"))).hasMessageContaining("k-max");
        assertThatThrownBy(() -> JobConfig.of(Map.of("budget", "1.5"))).hasMessageContaining("1.5");
        assertThatThrownBy(() -> JobConfig.of(Map.of("parallelism", "0"))).hasMessageContaining("parallelism");
        assertThatThrownBy(() -> JobConfig.of(Map.of("state-backend", "foo"))).hasMessageContaining("state-backend");
        Path nested = dir.resolve("nested.yaml");
        Files.writeString(nested, "budget:\n  value: 0.1\n");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--config", nested.toString()})).hasMessageContaining("budget");
    }
}
