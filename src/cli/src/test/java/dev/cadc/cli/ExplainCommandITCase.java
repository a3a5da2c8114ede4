package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.testing.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code cadc explain} against what the real job published: its replay reproduces the published
 * curriculum, a selected sample is explained as selected with its stage, a planted harmful one as
 * harmful.
 */
class ExplainCommandITCase {

    @Test
    void explainsSelectedAndHarmfulSamplesFromThePublishedState() throws Exception {
        PlantedSketches.PlantedSet set = PlantedSketches.generate(PlantedConfig.of("explained", 9, 3, 64).withPool(50, 12));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
            try (SketchPublisher publisher = new SketchPublisher(client)) {
                publisher.startRun(new RunStart("explained", 64, set.projection().seed(), set.projection().kind(), InfluenceSource.POOL));
                set.batches().forEach(publisher::publish);
                for (int checkpoint = 0; checkpoint < set.config().checkpoints(); checkpoint++) {
                    publisher.completeCheckpoint("explained", checkpoint);
                }
            }
            JobConfig config = JobConfig.of(Map.of("bootstrap", broker.bootstrapServers(), "bounded", "true",
                    "checkpoint-interval-ms", "500", "transactional-id-prefix", "explain-itcase"));
            try (LocalFlinkJob job = LocalFlinkJob.start(config, 0)) {
                assertThat(job.awaitResult().isSuccess()).isTrue();
            }
            Curriculum published;
            try (CurriculumClient curricula = new CurriculumClient(client)) {
                published = curricula.latest("explained", Duration.ofSeconds(30)).orElseThrow();
            }
            long selected = published.entries().get(0).sampleId();
            String selectedText = explain(broker, selected);
            assertThat(selectedText).contains("identical to the published curriculum")
                    .contains("selected: capability " + published.entries().get(0).capability())
                    .contains("stage " + published.entries().get(0).stage());

            long harmful = set.idsOf(PlantedSketches.Kind.HARMFUL)[0];
            assertThat(explain(broker, harmful)).contains("not selected: harmful").contains("harmful: true");
            assertThat(explain(broker, 987_654_321L)).contains("not in the run's pool");
        }
    }

    private static String explain(EmbeddedKafkaBroker broker, long sample) {
        StringWriter out = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        assertThat(commandLine.execute("explain", "--bootstrap", broker.bootstrapServers(), "--run", "explained",
                "--sample", Long.toString(sample))).as(out.toString()).isZero();
        return out.toString();
    }
}
