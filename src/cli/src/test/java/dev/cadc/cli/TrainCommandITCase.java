package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.job.CadcCurationJob;
import dev.cadc.flink.job.KafkaConnectors;
import dev.cadc.testing.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The live loop end to end, small: a real broker, the CADC job on a real local Flink runtime, and
 * {@code cadc train}, which publishes sketches, waits for curriculum versions and trains on them.
 */
class TrainCommandITCase {

    @Test
    void theTrainerTrainsOnCurriculumVersionsTheJobPublishes() throws Exception {
        Assumptions.assumeTrue(Files.exists(dev.cadc.trainer.vqa.DatasetDescriptor.FASHION_MNIST.trainImages()),
                "dataset-fashion-mnist is installed by .ci/run");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            JobConfig config = JobConfig.of(Map.of("bootstrap", broker.bootstrapServers(), "checkpoint-interval-ms", "500",
                    "transactional-id-prefix", "train-itcase"));
            KafkaConnectors.createTopics(config);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(CadcCurationJob.configuration(config));
            CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);
            JobClient job = env.executeAsync("cadc-train-itcase");
            try {
                StringWriter out = new StringWriter();
                picocli.CommandLine commandLine = CadcCommand.commandLine();
                commandLine.setOut(new PrintWriter(out));
                int exit = commandLine.execute("train", "--bootstrap", broker.bootstrapServers(), "--run", "live-small",
                        "--pool", "2000", "--probes-per-family", "20", "--test-per-family", "50", "--sketch-dim", "64",
                        "--warmup-steps", "40", "--checkpoints", "2", "--steps", "90", "--encoder-epochs", "1", "--deadline", "120");

                assertThat(exit).as(out.toString()).isZero();
                Matcher versions = Pattern.compile("trained on curriculum versions \\[([0-9, ]+)\\]").matcher(out.toString());
                assertThat(versions.find()).as(out.toString()).isTrue();
                String[] used = versions.group(1).split(",\\s*");
                assertThat(used.length).as("curriculum versions consumed").isGreaterThanOrEqualTo(2);
                for (int i = 1; i < used.length; i++) {
                    assertThat(Long.parseLong(used[i])).isGreaterThan(Long.parseLong(used[i - 1]));
                }
                assertThat(out.toString()).contains("curriculum version 1:").contains("macro");
            } finally {
                job.cancel().get();
            }
        }
    }
}
