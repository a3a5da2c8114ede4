package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.CapabilitySummary;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.testing.KafkaBrokerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code cadc inspect} against a real broker: counts before anything is curated, then the curriculum. */
class InspectCommandITCase {

    private static final ProjectionSpec PROJECTION = new ProjectionSpec(8, 3L, ProjectionKind.DENSE);
    @RegisterExtension
    private static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void printsCountsFirstAndTheNewestCurriculumOnceThereIsOne() throws Exception {
        String run = "inspect-run";
        try (SketchPublisher publisher = new SketchPublisher(Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            publisher.startRun(new RunStart(run, 8, 3L, ProjectionKind.DENSE, InfluenceSource.POOL));
            SketchBatch.Builder batch = SketchBatch.builder(run, PROJECTION);
            for (int i = 0; i < 5; i++) {
                batch.add(i, 0, i < 3 ? Role.POOL : Role.PROBE, i, 0.1f, 1f, new float[] {1, 2, 3, 4, 5, 6, 7, i});
            }
            publisher.publish(batch.build());
            publisher.completeCheckpoint(run, 0);
            publisher.publishProbeCatalogue(run, Map.of(3L, "grouping: is this footwear? -> yes",
                    4L, "symbolic: how many letters are in this item's name? -> 5"));
        }

        JsonNode before = inspectJson(run);
        assertThat(before.get("sketch_rows").get("POOL").asLong()).isEqualTo(3);
        assertThat(before.get("sketch_rows").get("PROBE").asLong()).isEqualTo(2);
        assertThat(before.get("control_records").get("run-start").asLong()).isEqualTo(1);
        assertThat(before.get("control_records").get("checkpoint-complete").asLong()).isEqualTo(1);
        assertThat(before.get("version").isNull()).isTrue();

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", KAFKA.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] key = run.getBytes(StandardCharsets.UTF_8);
            for (long version = 0; version < 2; version++) {
                Curriculum curriculum = new Curriculum(run, version, (int) version, 2, 3, 1, 0, List.of(
                        new CurriculumEntry(1, 1, 0, 0, 0.5 + version), new CurriculumEntry(2, 2, 0, 1, 0.25)));
                producer.send(new ProducerRecord<>(CadcTopics.CURRICULUM, key, CurriculumCodec.encode(curriculum)));
            }
            CapabilitySet capabilities = new CapabilitySet(run, 1, 1, List.of(
                    new CapabilitySummary(0, new long[] {3}, 0.5, 1), new CapabilitySummary(1, new long[] {4}, 0.9, 1)));
            producer.send(new ProducerRecord<>(CadcTopics.CAPABILITIES, key, CapabilitiesCodec.encode(capabilities)));
        }

        JsonNode after = inspectJson(run);
        assertThat(after.get("version").asLong()).isEqualTo(1);
        assertThat(after.get("budget").asLong()).isEqualTo(2);
        assertThat(after.get("stages")).hasSize(2);
        assertThat(after.get("stages").get(0).get("samples").get(0).get("influence").asDouble()).isEqualTo(1.5);
        assertThat(after.get("capabilities").get(1).get("probes").get(0).asLong()).isEqualTo(4);

        StringWriter table = new StringWriter();
        CommandLine.run(table, "inspect", "--bootstrap", KAFKA.bootstrapServers(), "--run", run);
        assertThat(table.toString()).contains("curriculum version 1").contains("POOL 3")
                .contains("made of: {grouping=1}").contains("e.g. symbolic: how many letters");
        assertThat(after.get("capability_probes").get("1").asText()).isEqualTo("{symbolic=1}");
    }

    private static JsonNode inspectJson(String run) throws Exception {
        StringWriter out = new StringWriter();
        assertThat(CommandLine.run(out, "inspect", "--bootstrap", KAFKA.bootstrapServers(), "--run", run, "--json")).isZero();
        return new ObjectMapper().readTree(out.toString());
    }

    /** Runs the CLI in-process with stdout captured. */
    private static final class CommandLine {
        static int run(StringWriter out, String... args) {
            picocli.CommandLine commandLine = CadcCommand.commandLine();
            commandLine.setOut(new PrintWriter(out));
            return commandLine.execute(args);
        }
    }
}
