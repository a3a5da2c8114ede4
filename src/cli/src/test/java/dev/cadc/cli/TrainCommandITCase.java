package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.job.CadcCurationJob;
import dev.cadc.flink.job.KafkaConnectors;
import dev.cadc.testing.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import dev.cadc.client.RunInspector;
import dev.cadc.core.format.Role;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The live loop end to end, small: a real broker, the CADC job on a real local Flink runtime, and
 * {@code cadc train}, which publishes sketches, waits for curriculum versions and trains on them; then
 * the same run with {@code --train-sketch-every 4}.
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
                String out = train(broker, "live-small", "1");
                Matcher versions = Pattern.compile("trained on curriculum versions \\[([0-9, ]+)\\]").matcher(out);
                assertThat(versions.find()).as(out).isTrue();
                String[] used = versions.group(1).split(",\\s*");
                assertThat(used.length).as("curriculum versions consumed").isGreaterThanOrEqualTo(2);
                for (int i = 1; i < used.length; i++) {
                    assertThat(Long.parseLong(used[i])).isGreaterThan(Long.parseLong(used[i - 1]));
                }
                assertThat(out).contains("curriculum version 1:").contains("macro");

                // The same run publishing the TRAIN sketches of every 4th warm-up step only: a quarter of the TRAIN rows,
                // the same PROBE and POOL rows, and it trains to the end. (That a POOL run's TRAIN rows never enter its
                // influence is the job's rule, tested in SpreadCurationTest. The two runs' curricula are not compared:
                // PyTorch's CPU kernels do not give bit-identical steps to two trainers in one process, so their
                // sketches differ in the last bits whatever N is.)
                String sparse = train(broker, "live-every-4", "4");
                assertThat(sparse).contains("trained on curriculum versions", "macro");
                Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
                RunInspector.RunReport every = RunInspector.inspect(client, "live-small", Duration.ofSeconds(30));
                RunInspector.RunReport fourth = RunInspector.inspect(client, "live-every-4", Duration.ofSeconds(30));
                int batch = dev.cadc.trainer.train.TrainingLoop.BATCH_SIZE;
                assertThat(every.sketchRows().get(Role.TRAIN)).isEqualTo(40L * batch);
                assertThat(fourth.sketchRows().get(Role.TRAIN)).as("steps 0, 4, ..., 36").isEqualTo(10L * batch);
                assertThat(fourth.sketchRows().get(Role.POOL)).isEqualTo(every.sketchRows().get(Role.POOL));
                assertThat(fourth.sketchRows().get(Role.PROBE)).isEqualTo(every.sketchRows().get(Role.PROBE));
                assertThat(fourth.curriculum().version()).isEqualTo(every.curriculum().version());
                // Each run ends with a run-end once it has its last version, so the job keeps nothing of it.
                assertThat(every.controlRecords()).containsEntry("run-end", 1L);
                assertThat(fourth.controlRecords()).containsEntry("run-end", 1L);
            } finally {
                job.cancel().get();
            }
        }
    }

    /** {@code cadc train} on the small benchmark, TRAIN sketches of every {@code trainSketchEvery}-th warm-up step; its output. */
    private static String train(EmbeddedKafkaBroker broker, String run, String trainSketchEvery) {
        StringWriter out = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        int exit = commandLine.execute("train", "--bootstrap", broker.bootstrapServers(), "--run", run,
                "--pool", "2000", "--probes-per-family", "20", "--test-per-family", "50", "--sketch-dim", "64",
                "--warmup-steps", "40", "--checkpoints", "2", "--steps", "90", "--encoder-epochs", "1", "--deadline", "120",
                "--train-sketch-every", trainSketchEvery);
        assertThat(exit).as(out.toString()).isZero();
        return out.toString();
    }
}
