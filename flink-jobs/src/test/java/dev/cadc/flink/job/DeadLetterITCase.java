package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.client.SketchPublisher;
import dev.cadc.client.TopicReader;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad records interleaved with a good run: every good row is used (the curriculum still equals the
 * batch reference), every bad record is on the dead-letter topic with its reason and source offset,
 * and the job (with restarts disabled) never fails because of input.
 */
class DeadLetterITCase extends CurationJobTestBase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = miniCluster();

    @Test
    void badRecordsGoToTheDeadLetterTopicAndGoodOnesAreAllUsed() throws Exception {
        String topic = "sketches-dead-letters";
        PlantedSketches.PlantedSet set = planted("with-bad-neighbours", 41);
        String run = set.config().runId();
        Map<Long, ReasonCode> expected = new LinkedHashMap<>();

        List<SketchBatch> batches = set.batches();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        Map.of("bootstrap.servers", KAFKA.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer());
                SketchPublisher publisher = new SketchPublisher(Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                        SketchPublisher.DEFAULT_MAX_RECORD_BYTES, topic)) {
            // Sketches of a run that never started.
            SketchBatch ghost = SketchBatch.builder("ghost", set.projection())
                    .add(0, 0, Role.POOL, 1, 0.01f, 1f, new float[set.projection().sketchDim()]).build();
            expected.put(send(producer, topic, "ghost", SketchCodec.encode(ghost), WireFormat.CONTENT_TYPE_ARROW, null),
                    ReasonCode.NO_RUN_START);
            publisher.startRun(new RunStart(run, set.projection().sketchDim(), set.projection().seed(),
                    set.projection().kind(), InfluenceSource.POOL));
            for (int b = 0; b < batches.size(); b++) {
                publisher.publish(batches.get(b));
                publisher.flush();
                switch (b) {
                    case 0 -> expected.put(send(producer, topic, run, "not arrow".getBytes(StandardCharsets.UTF_8),
                            WireFormat.CONTENT_TYPE_ARROW, null), ReasonCode.MALFORMED_IPC);
                    case 1 -> {
                        SketchBatch otherSeed = SketchBatch.builder(run,
                                        new ProjectionSpec(set.projection().sketchDim(), 999L, set.projection().kind()))
                                .add(0, 0, Role.POOL, 5, 0.01f, 1f, new float[set.projection().sketchDim()]).build();
                        expected.put(send(producer, topic, run, SketchCodec.encode(otherSeed), WireFormat.CONTENT_TYPE_ARROW, null),
                                ReasonCode.PROJECTION_MISMATCH);
                    }
                    case 2 -> expected.put(send(producer, topic, run, "{".getBytes(StandardCharsets.UTF_8),
                            WireFormat.CONTENT_TYPE_JSON, WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE), ReasonCode.BAD_CONTROL_RECORD);
                    case 3 -> expected.put(send(producer, topic, run, "{}".getBytes(StandardCharsets.UTF_8),
                            WireFormat.CONTENT_TYPE_JSON, "checkpoint-started"), ReasonCode.UNKNOWN_RECORD_TYPE);
                    case 4 -> expected.put(send(producer, topic, run, nonFiniteExample(), WireFormat.CONTENT_TYPE_ARROW, null),
                            ReasonCode.NON_FINITE);
                    default -> { }
                }
            }
            for (int checkpoint : checkpoints(set)) {
                publisher.completeCheckpoint(run, checkpoint);
            }
        }
        JobConfig config = jobConfig(topic, 2);

        runBounded(config);

        Map<Long, ReasonCode> deadLetters = new HashMap<>();
        try (TopicReader reader = new TopicReader(Map.of("bootstrap.servers", KAFKA.bootstrapServers()), CadcTopics.DEAD_LETTER)) {
            assertThat(reader.readToEnd(READ_TIMEOUT, record -> {
                Map<String, byte[]> headers = new LinkedHashMap<>();
                for (Header header : record.headers()) {
                    headers.putIfAbsent(header.key(), header.value());
                }
                DeadLetter letter = DeadLetter.fromHeaders(headers);
                if (letter.sourceTopic().equals(topic)) {
                    assertThat(deadLetters.put(((long) letter.sourcePartition() << 40) | letter.sourceOffset(), letter.reason())).as("one dead letter per bad record").isNull();
                }
            })).isTrue();
        }
        assertThat(deadLetters).isEqualTo(expected);
        List<dev.cadc.core.format.Curriculum> committed = committedCurricula(run);
        assertThat(committed).as("committed curricula of %s (dead letters seen: %s)", run, deadLetters).isNotEmpty();
        assertThat(committed.get(committed.size() - 1)).isEqualTo(CurriculumJson.toCurriculum(batchCurate(config, set)));
    }

    /** The committed dead-letter example's value: a sketch record whose loss is NaN. */
    private static byte[] nonFiniteExample() throws Exception {
        try (var in = DeadLetterITCase.class.getClassLoader().getResourceAsStream("cadc/schemas/examples/dead-letter.json")) {
            JsonNode example = new ObjectMapper().readTree(in);
            return Base64.getDecoder().decode(example.get("value_base64").asText());
        }
    }

    private static long send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value,
            String contentType, String recordType) throws Exception {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
        record.headers().add(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT.getBytes(StandardCharsets.UTF_8));
        record.headers().add(WireFormat.HEADER_CONTENT_TYPE, contentType.getBytes(StandardCharsets.UTF_8));
        if (recordType != null) {
            record.headers().add(WireFormat.HEADER_RECORD_TYPE, recordType.getBytes(StandardCharsets.UTF_8));
        }
        RecordMetadata metadata = producer.send(record).get();
        return ((long) metadata.partition() << 40) | metadata.offset();
    }
}
