package dev.cadc.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.testing.KafkaBrokerExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Python client ({@code src/python}) against a real broker: this test writes curricula in
 * transactions (one aborted), runs {@code src/python/tests_live} with Debian's python3 (the Python
 * publisher publishes a run, its reader must see the newest committed curriculum only), then reads what
 * Python published with the Java codecs and checks it sits in the partition Java's producer would choose.
 */
class PythonClientITCase {

    private static final String RUN = "python-live-run";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    private static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void pythonPublishesWhatJavaDecodesAndReadsWhatTheJobCommits() throws Exception {
        KafkaTopicAdmin.ensureTopics(clientConfig(), CadcTopics.all(CadcTopics.DEFAULT_SKETCH_PARTITIONS));
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer()) {
            write(producer, curriculum(0, List.of(new CurriculumEntry(10, 1, 0, 0, 0.5))), true);
            write(producer, curriculum(1, List.of(new CurriculumEntry(10, 1, 0, 0, 0.5),
                    new CurriculumEntry(11, 1, 1, 0, 0.25), new CurriculumEntry(12, 2, 0, 1, 0.125))), true);
            write(producer, curriculum(2, List.of(new CurriculumEntry(99, 1, 0, 0, 1.0))), false);
        }

        runPythonLiveTests();

        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (TopicReader reader = new TopicReader(clientConfig(), CadcTopics.SKETCHES)) {
            assertThat(reader.readToEnd(TIMEOUT, records::add)).isTrue();
        }
        byte[] key = RUN.getBytes(StandardCharsets.UTF_8);
        int javaPartition = Utils.toPositive(Utils.murmur2(key)) % CadcTopics.DEFAULT_SKETCH_PARTITIONS;
        List<String> kinds = new ArrayList<>();
        long poolAndProbeRows = 0;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            assertThat(record.key()).isEqualTo(key);
            assertThat(record.partition()).as("Python's key partition equals Java's").isEqualTo(javaPartition);
            String recordType = header(record, WireFormat.HEADER_RECORD_TYPE);
            if ("run-end".equals(recordType)) {
                JsonNode runEnd = JSON.readTree(record.value());
                assertThat(runEnd.get("run_id").asText()).isEqualTo(RUN);
                assertThat(runEnd.get("last_checkpoint").asInt()).isZero();
                kinds.add(recordType);
                continue;
            }
            RecordKind kind = RecordKind.classify(header(record, WireFormat.HEADER_SCHEMA_VERSION),
                    header(record, WireFormat.HEADER_CONTENT_TYPE), recordType);
            kinds.add(kind.name());
            switch (kind) {
                case RUN_START -> {
                    RunStart start = ControlRecordCodec.decodeRunStart(record.value());
                    assertThat(start.sketchDim()).isEqualTo(6);
                    assertThat(start.projectionSeed()).isEqualTo(-11L);
                }
                case SKETCH_BATCH -> {
                    SketchBatch batch = SketchCodec.decode(record.value());
                    assertThat(batch.runId()).isEqualTo(RUN);
                    for (int row = 0; row < batch.rowCount(); row++) {
                        if (batch.role(row) != dev.cadc.core.format.Role.TRAIN) {
                            poolAndProbeRows++;
                        }
                    }
                }
                case CHECKPOINT_COMPLETE -> {
                    CheckpointComplete complete = ControlRecordCodec.decodeCheckpointComplete(record.value());
                    assertThat(complete.rows()).isEqualTo(poolAndProbeRows);
                }
                default -> throw new AssertionError("unexpected record kind " + kind);
            }
        }
        assertThat(kinds).containsExactly("RUN_START", "SKETCH_BATCH", "SKETCH_BATCH", "SKETCH_BATCH",
                "CHECKPOINT_COMPLETE", "run-end");
        assertThat(poolAndProbeRows).isEqualTo(14);
    }

    private static void runPythonLiveTests() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("basedir", "."), "..", "..").toAbsolutePath().normalize();
        Path log = Files.createTempFile("python-live-tests", ".log");
        ProcessBuilder builder = new ProcessBuilder(System.getProperty("cadc.python", "/usr/bin/python3"), "-B", "-m",
                "pytest", "-q", "-p", "no:cacheprovider", "src/python/tests_live")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("CADC_BOOTSTRAP", KAFKA.bootstrapServers());
        builder.environment().put("CADC_LIVE_RUN", RUN);
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        boolean finished = process.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        Files.deleteIfExists(log);
        assertThat(finished && process.exitValue() == 0).as("pytest src/python/tests_live:%n%s", output).isTrue();
        assertThat(output).contains("3 passed");
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Curriculum curriculum(long version, List<CurriculumEntry> entries) {
        return new Curriculum(RUN, version, (int) version, 3, 10, 0, 0, entries);
    }

    private static void write(KafkaProducer<byte[], byte[]> producer, Curriculum curriculum, boolean commit) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(CadcTopics.CURRICULUM, RUN.getBytes(StandardCharsets.UTF_8),
                CurriculumCodec.encode(curriculum)));
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.flush();
            producer.abortTransaction();
        }
    }

    private static KafkaProducer<byte[], byte[]> transactionalProducer() {
        Map<String, Object> config = new HashMap<>(clientConfig());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "python-client-it");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private static Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", KAFKA.bootstrapServers());
    }
}
