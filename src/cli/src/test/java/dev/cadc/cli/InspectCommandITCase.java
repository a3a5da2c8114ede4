package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.CapabilitySummary;
import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
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

    /**
     * A checkpoint-complete whose row count was never reached (rows lost, one batch dead-lettered by the
     * job) shows as closed short once a curriculum reflects the checkpoint; a later one missing rows that
     * no version reflects yet shows as waiting.
     */
    @Test
    void showsACheckpointTheJobClosedShort() throws Exception {
        String run = "inspect-short";
        byte[] key = run.getBytes(StandardCharsets.UTF_8);
        SketchBatch rejected = rows(run, 0, 1);
        try (SketchPublisher publisher = new SketchPublisher(Map.of("bootstrap.servers", KAFKA.bootstrapServers()));
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        Map.of("bootstrap.servers", KAFKA.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            publisher.startRun(new RunStart(run, 8, 3L, ProjectionKind.DENSE, InfluenceSource.POOL));
            publisher.publish(rows(run, 0, 5));
            publisher.publish(rejected);
            publisher.publish(rows(run, 1, 2));
            publisher.publish(rows(run, 2, 1));
            publisher.flush();
            for (long[] announced : new long[][] {{0, 7}, {1, 2}, {2, 3}}) {
                producer.send(control(key, new CheckpointComplete(run, (int) announced[0], announced[1])));
            }
            ProducerRecord<byte[], byte[]> deadLetter = new ProducerRecord<>(CadcTopics.DEAD_LETTER, key, SketchCodec.encode(rejected));
            new DeadLetter(ReasonCode.INVALID_VALUE, "rows of a closed checkpoint", CadcTopics.SKETCHES, 0, 3).toHeaders()
                    .forEach((name, value) -> deadLetter.headers().add(name, value));
            deadLetter.headers().add(WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_ARROW.getBytes(StandardCharsets.UTF_8));
            producer.send(deadLetter);
            producer.send(new ProducerRecord<>(CadcTopics.CURRICULUM, key, CurriculumCodec.encode(new Curriculum(run, 1, 1, 2, 3, 0, 0,
                    List.of(new CurriculumEntry(1, 1, 0, 0, 0.5))))));
        }

        JsonNode json = inspectJson(run);
        assertThat(json.get("checkpoints_closed_short")).extracting(JsonNode::asInt).containsExactly(0);
        assertThat(json.get("checkpoints")).extracting(c -> c.get("checkpoint").asInt(), c -> c.get("announced_rows").asLong(),
                        c -> c.get("accepted_rows").asLong(), c -> c.get("state").asText())
                .containsExactly(tuple(0, 7L, 5L, "closed_short"), tuple(1, 2L, 2L, "complete"), tuple(2, 3L, 1L, "waiting"));

        StringWriter table = new StringWriter();
        CommandLine.run(table, "inspect", "--bootstrap", KAFKA.bootstrapServers(), "--run", run);
        assertThat(table.toString()).contains("checkpoints: 0 closed short (5 of 7 rows), 1 complete (2 of 2 rows), 2 waiting (1 of 3 rows)")
                .contains("closed short: checkpoint(s) 0 (");
    }

    /** {@code count} rows of checkpoint {@code checkpoint}, POOL then PROBE. */
    private static SketchBatch rows(String run, int checkpoint, int count) {
        SketchBatch.Builder batch = SketchBatch.builder(run, PROJECTION);
        for (int i = 0; i < count; i++) {
            batch.add(1000L * (checkpoint + 1), checkpoint, i % 2 == 0 ? Role.POOL : Role.PROBE, 10L * checkpoint + i, 0.1f, 1f,
                    new float[] {1, 2, 3, 4, 5, 6, 7, i});
        }
        return batch.build();
    }

    private static ProducerRecord<byte[], byte[]> control(byte[] key, CheckpointComplete complete) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(CadcTopics.SKETCHES, key, ControlRecordCodec.encode(complete));
        record.headers().add(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT.getBytes(StandardCharsets.UTF_8));
        record.headers().add(WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_JSON.getBytes(StandardCharsets.UTF_8));
        record.headers().add(WireFormat.HEADER_RECORD_TYPE, WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE.getBytes(StandardCharsets.UTF_8));
        return record;
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
