package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cadc.client.SketchPublisher;
import dev.cadc.client.TopicReader;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunEnd;
import dev.cadc.core.format.RunIds;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.run.CheckpointLedger;
import dev.cadc.core.run.CheckpointTracker;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.core.topic.CadcTopics;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.KafkaRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seeded mutants of small valid records (bit flips, truncations, swapped bytes, swapped JSON fields,
 * swapped or dropped headers, other keys), each under a run id of its own and after that run's valid
 * run-start, interleaved with a valid run, through the real job (restarts disabled, so any failure the
 * input caused fails the test). Each mutant must come out as the core alone decides ({@link #expected}:
 * the header classification, the run-id rule, the codecs and the checkpoint rules, in the validator's
 * order): a dead letter with that reason, or accepted (no dead letter). The valid run's curriculum must
 * equal the batch reference on its rows.
 */
class FuzzedInputITCase extends CurationJobTestBase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = miniCluster();

    private static final int MUTANTS = 10_000;
    private static final long SEED = 1515L;
    /** The mutant runs' projection: small records (about 900 bytes of Arrow) keep the test fast. */
    private static final ProjectionSpec SMALL = new ProjectionSpec(4, 77L, ProjectionKind.KRONECKER);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One mutant: its run, what was done to it, and the record as sent. */
    private record Mutant(String runId, String mutation, KafkaRecord record) {}

    @Test
    void everyMutantIsADeadLetterWithTheCoreReasonOrAcceptedAndTheValidRunIsUnharmed() throws Exception {
        String topic = "sketches-fuzzed";
        PlantedSketches.PlantedSet set = planted("fuzz-valid", 43);
        String validRun = set.config().runId();
        JobConfig config = jobConfig(topic, 2);
        KafkaConnectors.createTopics(config);
        int partitions = 4;

        Random random = new Random(SEED);
        List<Mutant> mutants = new ArrayList<>();
        for (int i = 0; i < MUTANTS; i++) {
            mutants.add(mutate(i, random));
        }

        Map<Long, Integer> mutantAt = new HashMap<>();
        List<Long> validRunStartsAt = new ArrayList<>();
        List<SketchBatch> batches = set.batches();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", KAFKA.bootstrapServers(),
                        "linger.ms", 20, "batch.size", 256 * 1024), new ByteArraySerializer(), new ByteArraySerializer());
                SketchPublisher publisher = new SketchPublisher(Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                        SketchPublisher.DEFAULT_MAX_RECORD_BYTES, topic)) {
            publisher.startRun(new RunStart(validRun, set.projection().sketchDim(), set.projection().seed(),
                    set.projection().kind(), InfluenceSource.POOL));
            Iterator<SketchBatch> valid = batches.iterator();
            int mutantsPerBatch = MUTANTS / batches.size() + 1;
            List<Future<RecordMetadata>> starts = new ArrayList<>();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < MUTANTS; i++) {
                if (i % mutantsPerBatch == 0 && valid.hasNext()) {
                    publisher.publish(valid.next());
                }
                Mutant mutant = mutants.get(i);
                int partition = Math.floorMod(i, partitions);
                starts.add(producer.send(toProducerRecord(topic, partition, runStartOf(mutant.runId()))));
                sent.add(producer.send(toProducerRecord(topic, partition, mutant.record())));
            }
            valid.forEachRemaining(publisher::publish);
            for (int checkpoint : checkpoints(set)) {
                publisher.completeCheckpoint(validRun, checkpoint);
            }
            producer.flush();
            for (int i = 0; i < MUTANTS; i++) {
                mutantAt.put(position(sent.get(i).get()), i);
                validRunStartsAt.add(position(starts.get(i).get()));
            }
        }

        long started = System.nanoTime();
        runBounded(config);
        long jobMs = (System.nanoTime() - started) / 1_000_000;

        Map<Long, ReasonCode> deadLetters = new HashMap<>();
        try (TopicReader reader = new TopicReader(Map.of("bootstrap.servers", KAFKA.bootstrapServers()), CadcTopics.DEAD_LETTER)) {
            assertThat(reader.readToEnd(READ_TIMEOUT, record -> {
                Map<String, byte[]> headers = new LinkedHashMap<>();
                for (Header header : record.headers()) {
                    headers.putIfAbsent(header.key(), header.value());
                }
                DeadLetter letter = DeadLetter.fromHeaders(headers);
                if (letter.sourceTopic().equals(topic)) {
                    long at = ((long) letter.sourcePartition() << 40) | letter.sourceOffset();
                    assertThat(deadLetters.put(at, letter.reason())).as("one dead letter per record").isNull();
                }
            })).isTrue();
        }

        Map<ReasonCode, Integer> byReason = new EnumMap<>(ReasonCode.class);
        Map<String, Integer> byMutation = new TreeMap<>();
        int accepted = 0;
        int farAhead = 0;
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<Long, Integer> sent : mutantAt.entrySet()) {
            Mutant mutant = mutants.get(sent.getValue());
            ReasonCode want = expected(mutant);
            ReasonCode got = deadLetters.remove(sent.getKey());
            if (want != got && wrong.size() < 20) {
                wrong.add(mutant.runId() + " (" + mutant.mutation() + "): core says " + (want == null ? "accept" : want)
                        + ", job " + (got == null ? "accepted" : got));
            }
            InvalidRecordException rejection = rejection(mutant);
            if (rejection != null && rejection.getMessage().contains("past the oldest open one")) {
                farAhead++;
            }
            if (want == null) {
                accepted++;
            } else {
                byReason.merge(want, 1, Integer::sum);
            }
            byMutation.merge(mutant.mutation().replaceAll("[ (].*", ""), 1, Integer::sum);
        }
        assertThat(wrong).as("mutants the job judged otherwise than the core").isEmpty();
        assertThat(validRunStartsAt).as("valid run-starts of the mutant runs are never dead letters")
                .noneMatch(deadLetters::containsKey);
        assertThat(deadLetters).as("dead letters of records that are neither mutants nor their run-starts").isEmpty();
        System.out.printf("fuzz: %d mutants (%s), %d accepted, dead letters by reason %s (%d naming a checkpoint"
                + " out of reach); job %d ms%n", MUTANTS, byMutation, accepted, byReason, farAhead, jobMs);
        assertThat(byReason.keySet()).as("the mutants reach many checks").hasSizeGreaterThanOrEqualTo(8);

        List<Curriculum> committed = committedCurricula(validRun);
        assertThat(committed).isNotEmpty();
        assertThat(committed.get(committed.size() - 1)).isEqualTo(CurriculumJson.toCurriculum(batchCurate(config, set)));
    }

    // ---- the oracle: what the core alone decides, in the validator's order ----

    /**
     * The reason the core gives {@code mutant} (null: accepted), given that its run {@code runId} was
     * started with a valid run-start of projection {@link #SMALL} and nothing else of it came before.
     */
    private static ReasonCode expected(Mutant mutant) {
        InvalidRecordException rejection = rejection(mutant);
        return rejection == null ? null : rejection.reason();
    }

    /** What {@link #expected} says, with the core's message: null when accepted. */
    private static InvalidRecordException rejection(Mutant mutant) {
        KafkaRecord record = mutant.record();
        try {
            RecordKind kind = RecordKind.classify(record.header(WireFormat.HEADER_SCHEMA_VERSION),
                    record.header(WireFormat.HEADER_CONTENT_TYPE), record.header(WireFormat.HEADER_RECORD_TYPE));
            String key = RunIds.fromKey(record.key);
            boolean started = key.equals(mutant.runId());
            CheckpointTracker tracker = new CheckpointTracker(CheckpointLedger.inMemory(), false, 1_000,
                    CheckpointTracker.NOT_ENDED);
            switch (kind) {
                case RUN_START -> {
                    RunStart start = ControlRecordCodec.decodeRunStart(record.value);
                    sameRun(start.runId(), key);
                    if (started && (start.sketchDim() != SMALL.sketchDim() || start.projectionSeed() != SMALL.seed()
                            || start.projectionKind() != SMALL.kind() || start.influenceSource() != InfluenceSource.POOL)) {
                        return reject(ReasonCode.PROJECTION_MISMATCH);
                    }
                }
                case CHECKPOINT_COMPLETE -> {
                    if (!started) {
                        return reject(ReasonCode.NO_RUN_START);
                    }
                    CheckpointComplete complete = ControlRecordCodec.decodeCheckpointComplete(record.value);
                    sameRun(complete.runId(), key);
                    tracker.announce(complete.checkpoint(), complete.rows(), 0);
                }
                case RUN_END -> {
                    if (!started) {
                        return reject(ReasonCode.NO_RUN_START);
                    }
                    RunEnd end = ControlRecordCodec.decodeRunEnd(record.value);
                    sameRun(end.runId(), key);
                    tracker.end(end.lastCheckpoint(), 0);
                }
                case SKETCH_BATCH -> {
                    if (!started) {
                        return reject(ReasonCode.NO_RUN_START);
                    }
                    SketchBatch batch = SketchCodec.decode(record.value);
                    sameRun(batch.runId(), key);
                    if (batch.projection().sketchDim() != SMALL.sketchDim()) {
                        return reject(ReasonCode.WRONG_DIMENSION);
                    }
                    if (batch.projection().seed() != SMALL.seed() || batch.projection().kind() != SMALL.kind()) {
                        return reject(ReasonCode.PROJECTION_MISMATCH);
                    }
                    for (int row = 0; row < batch.rowCount(); row++) {
                        // Under influence source POOL the validator counts POOL and PROBE rows only.
                        if (batch.role(row) != Role.TRAIN) {
                            tracker.requireCountable(batch.checkpoint(row));
                        }
                    }
                }
            }
            return null;
        } catch (InvalidRecordException e) {
            return e;
        }
    }

    private static InvalidRecordException reject(ReasonCode reason) {
        return new InvalidRecordException(reason, "decided by the run context");
    }

    private static void sameRun(String inRecord, String key) {
        if (!inRecord.equals(key)) {
            throw new InvalidRecordException(ReasonCode.RUN_MISMATCH, inRecord + " vs " + key);
        }
    }

    // ---- the mutants ----

    private static Mutant mutate(int index, Random random) {
        String runId = "fuzz-" + index;
        KafkaRecord base = baseRecord(runId, random.nextInt(10), random);
        int dice = random.nextInt(100);
        String mutation;
        if (dice < 45) {
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                int bit = random.nextInt(base.value.length * 8);
                base.value[bit / 8] ^= (byte) (1 << (bit % 8));
            }
            mutation = "bit-flips (" + flips + ")";
        } else if (dice < 62) {
            int length = random.nextInt(base.value.length);
            base.value = Arrays.copyOf(base.value, length);
            mutation = "truncation (" + length + ")";
        } else if (dice < 72) {
            int span = 1 + random.nextInt(Math.max(1, base.value.length / 8));
            int a = random.nextInt(base.value.length - span);
            int b = random.nextInt(base.value.length - span);
            byte[] copy = base.value.clone();
            System.arraycopy(base.value, a, copy, b, span);
            System.arraycopy(base.value, b, copy, a, span);
            base.value = copy;
            mutation = "byte-swap (" + span + ")";
        } else if (dice < 80) {
            mutation = swapJsonFields(base, random) ? "json-field-swap" : "value-swap (json for arrow)";
        } else if (dice < 88) {
            int a = random.nextInt(base.headerNames.length);
            int b = random.nextInt(base.headerNames.length);
            byte[] held = base.headerValues[a];
            base.headerValues[a] = base.headerValues[b];
            base.headerValues[b] = held;
            if (a == b) {
                base.headerValues[a] = Arrays.copyOf(held, Math.max(0, held.length - 1));
            }
            mutation = "header-swap";
        } else if (dice < 93) {
            int drop = random.nextInt(base.headerNames.length);
            base.headerNames = remove(base.headerNames, drop);
            base.headerValues = remove(base.headerValues, drop);
            mutation = "header-drop";
        } else {
            String[] keys = {"", "r".repeat(RunIds.MAX_BYTES + 1), runId + " x", runId + "/x", runId + "-moved", null};
            String key = keys[random.nextInt(keys.length)];
            base.key = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
            mutation = "key (" + (key == null ? "none" : key.length() > 20 ? "too long" : key) + ")";
        }
        return new Mutant(runId, mutation, base);
    }

    /** A small valid record of {@code runId}: mostly sketch batches, then each control record. */
    private static KafkaRecord baseRecord(String runId, int kind, Random random) {
        return switch (kind) {
            case 0, 1, 2, 3, 4, 5 -> {
                SketchBatch.Builder builder = SketchBatch.builder(runId, SMALL);
                int rows = 1 + random.nextInt(2);
                for (int row = 0; row < rows; row++) {
                    float[] sketch = new float[SMALL.sketchDim()];
                    for (int i = 0; i < sketch.length; i++) {
                        sketch[i] = (float) random.nextGaussian();
                    }
                    builder.add(10L * (row + 1), 0, row == 0 ? Role.PROBE : Role.POOL, 100 + row, 0.01f, 1.25f, sketch);
                }
                yield record(runId, SketchCodec.encode(builder.build()), WireFormat.SCHEMA_VERSION_TEXT,
                        WireFormat.CONTENT_TYPE_ARROW, null);
            }
            case 6 -> controlRecord(runStartOf(runId).value, WireFormat.RECORD_TYPE_RUN_START, runId);
            case 7, 8 -> controlRecord(ControlRecordCodec.encode(new CheckpointComplete(runId, 0, 2)),
                    WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE, runId);
            default -> record(runId, ControlRecordCodec.encode(new RunEnd(runId, 0)), WireFormat.RUN_END_SCHEMA_VERSION_TEXT,
                    WireFormat.CONTENT_TYPE_JSON, WireFormat.RECORD_TYPE_RUN_END);
        };
    }

    /** Swaps the values of two fields of a control record; a sketch record gets a JSON value instead (false). */
    private static boolean swapJsonFields(KafkaRecord record, Random random) {
        if (record.header(WireFormat.HEADER_RECORD_TYPE) == null) {
            record.value = ControlRecordCodec.encode(new CheckpointComplete(record.runId(), 0, 2));
            return false;
        }
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(record.value);
            List<String> names = new ArrayList<>();
            json.fieldNames().forEachRemaining(names::add);
            String a = names.get(random.nextInt(names.size()));
            String b = names.get(random.nextInt(names.size()));
            JsonNode held = json.get(a);
            json.set(a, json.get(b));
            json.set(b, held);
            if (a.equals(b)) {
                json.remove(a);
            }
            record.value = JSON.writeValueAsBytes(json);
            return true;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a base control record is JSON", e);
        }
    }

    private static KafkaRecord runStartOf(String runId) {
        return controlRecord(ControlRecordCodec.encode(new RunStart(runId, SMALL.sketchDim(), SMALL.seed(), SMALL.kind(),
                InfluenceSource.POOL)), WireFormat.RECORD_TYPE_RUN_START, runId);
    }

    private static KafkaRecord controlRecord(byte[] value, String recordType, String runId) {
        return record(runId, value, WireFormat.SCHEMA_VERSION_TEXT, WireFormat.CONTENT_TYPE_JSON, recordType);
    }

    private static KafkaRecord record(String runId, byte[] value, String version, String contentType, String recordType) {
        List<String> names = new ArrayList<>(List.of(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.HEADER_CONTENT_TYPE));
        List<byte[]> values = new ArrayList<>(List.of(utf8(version), utf8(contentType)));
        if (recordType != null) {
            names.add(WireFormat.HEADER_RECORD_TYPE);
            values.add(utf8(recordType));
        }
        return new KafkaRecord(null, 0, 0, utf8(runId), value, names.toArray(String[]::new), values.toArray(byte[][]::new));
    }

    private static ProducerRecord<byte[], byte[]> toProducerRecord(String topic, int partition, KafkaRecord record) {
        ProducerRecord<byte[], byte[]> producerRecord = new ProducerRecord<>(topic, partition, record.key, record.value);
        for (int i = 0; i < record.headerNames.length; i++) {
            producerRecord.headers().add(record.headerNames[i], record.headerValues[i]);
        }
        return producerRecord;
    }

    private static long position(RecordMetadata metadata) {
        return ((long) metadata.partition() << 40) | metadata.offset();
    }

    private static <T> T[] remove(T[] array, int index) {
        T[] shorter = Arrays.copyOf(array, array.length - 1);
        System.arraycopy(array, index + 1, shorter, index, array.length - index - 1);
        return shorter;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
