package dev.cadc.flink.operators;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cadc.core.format.ArrowSchemas;
import dev.cadc.core.format.CheckpointComplete;
import dev.cadc.core.format.ControlRecordCodec;
import dev.cadc.core.format.FormatTestData.RawSketch;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunIds;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.flink.records.KafkaRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * The bad-input corpus in {@code src/test/resources/bad-input/}: Kafka records of {@code cadc.sketches}
 * that the job must reject, each with the {@link ReasonCode} it must get, plus the one valid run-start
 * they are sent after. The files are generated from {@link #entries()}; {@code BadInputCorpusTest}
 * checks that the files equal what this class generates, and rewrites them when run with
 * {@code -Dcadc.badInput.regenerate=true} (see the corpus's README.md for the file format).
 */
final class BadInputCorpus {

    /** Where the files live, relative to the flink-jobs module (the classpath holds a copy). */
    static final Path SOURCE_DIRECTORY = Path.of("src", "test", "resources", "bad-input");
    /** The classpath folder of the files. */
    static final String RESOURCE_DIRECTORY = "bad-input/";
    /** The corpus's valid run-start; every entry with {@code run_start: true} is sent after it. */
    static final String RUN_START = "00-run-start";
    /** The run of the corpus: the operator tests' run, k = 8, their projection. */
    static final String RUN = OperatorTestData.RUN;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One record of the corpus.
     *
     * @param name the file name without extension ({@code NN-what})
     * @param description what is wrong with it
     * @param reason the reason it must be dead-lettered with; null for the valid run-start
     * @param key the record key as bytes, null for a record without a key
     * @param headers header name/value pairs in order (a value of null is a header without value)
     * @param value the record value
     * @param afterRunStart whether the corpus's run-start is sent first; when not, the test also lets the
     *     grace period pass (in event time)
     */
    record Entry(String name, String description, ReasonCode reason, byte[] key, List<String[]> headers, byte[] value,
            boolean afterRunStart) {

        @Override
        public String toString() {
            return name + " (" + (reason == null ? "valid" : reason) + ")";
        }

        /** The record as the job's source would hand it to the validator. */
        KafkaRecord toKafkaRecord(long offset) {
            String[] names = headers.stream().map(h -> h[0]).toArray(String[]::new);
            byte[][] values = headers.stream().map(h -> h[1] == null ? null : h[1].getBytes(StandardCharsets.UTF_8))
                    .toArray(byte[][]::new);
            return new KafkaRecord(OperatorTestData.SOURCE_TOPIC, OperatorTestData.SOURCE_PARTITION, offset, key, value,
                    names, values);
        }

        ObjectNode sidecar() {
            ObjectNode json = JSON.createObjectNode();
            json.put("description", description);
            if (reason == null) {
                json.putNull("reason");
            } else {
                json.put("reason", reason.name());
            }
            if (key == null) {
                json.putNull("key");
            } else {
                json.put("key", new String(key, StandardCharsets.UTF_8));
            }
            ArrayNode headerArray = json.putArray("headers");
            for (String[] header : headers) {
                ArrayNode pair = headerArray.addArray().add(header[0]);
                if (header[1] == null) {
                    pair.addNull();
                } else {
                    pair.add(header[1]);
                }
            }
            json.put("value", name + ".bin");
            json.put("run_start", afterRunStart);
            return json;
        }

        static Entry fromSidecar(String name, JsonNode json, byte[] value) {
            List<String[]> headers = new ArrayList<>();
            for (JsonNode pair : json.get("headers")) {
                headers.add(new String[] {pair.get(0).asText(), pair.get(1).isNull() ? null : pair.get(1).asText()});
            }
            JsonNode reason = json.get("reason");
            JsonNode key = json.get("key");
            return new Entry(name, json.get("description").asText(), reason.isNull() ? null : ReasonCode.valueOf(reason.asText()),
                    key.isNull() ? null : key.asText().getBytes(StandardCharsets.UTF_8), headers, value,
                    json.get("run_start").asBoolean());
        }
    }

    private BadInputCorpus() {}

    /** The corpus as generated: the valid run-start first, then every bad record. */
    static List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        byte[] validSketches = SketchCodec.encode(OperatorTestData.batch(0, 1, 2, 0));
        entries.add(control(RUN_START, "the corpus's valid run-start (k = 8, kronecker, influence source pool); not bad",
                null, WireFormat.RECORD_TYPE_RUN_START, ControlRecordCodec.encode(new RunStart(RUN, OperatorTestData.SKETCH_DIM,
                        OperatorTestData.PROJECTION_SEED, ProjectionKind.KRONECKER, InfluenceSource.POOL))));

        entries.add(sketch("01-truncated-arrow", "a valid sketch record cut to half its length", ReasonCode.MALFORMED_IPC,
                Arrays.copyOf(validSketches, validSketches.length / 2)));
        byte[] random = new byte[512];
        new Random(15).nextBytes(random);
        entries.add(sketch("02-random-bytes", "512 seeded random bytes", ReasonCode.MALFORMED_IPC, random));
        entries.add(sketch("03-empty-batch", "a well-formed Arrow stream whose record batch has 0 rows", ReasonCode.MALFORMED_IPC,
                raw().rows(0).encode()));
        entries.add(sketch("04-missing-column", "no 'loss' column", ReasonCode.MISSING_COLUMN,
                raw().without(ArrowSchemas.LOSS).encode()));
        entries.add(sketch("05-wrong-column-type", "'step' is int32 instead of int64", ReasonCode.WRONG_TYPE,
                raw().retype(ArrowSchemas.STEP, new ArrowType.Int(32, true)).encode()));
        entries.add(sketch("06-k-differs-from-run-start", "sketches of k = 16 in a run started with k = 8",
                ReasonCode.WRONG_DIMENSION, SketchCodec.encode(SketchBatch.builder(RUN,
                                new ProjectionSpec(16, OperatorTestData.PROJECTION_SEED, ProjectionKind.KRONECKER))
                        .add(1000L, 0, Role.POOL, 1L, OperatorTestData.LEARNING_RATE, 0.5f, new float[16]).build())));
        entries.add(sketch("07-wrong-projection-seed", "projection seed other than the run-start's",
                ReasonCode.PROJECTION_MISMATCH, SketchCodec.encode(OperatorTestData.batch(RUN,
                        new ProjectionSpec(OperatorTestData.SKETCH_DIM, 42L, ProjectionKind.KRONECKER), 0, 0, 2, 0))));
        entries.add(sketch("08-wrong-projection-kind", "projection kind dense in a kronecker run",
                ReasonCode.PROJECTION_MISMATCH, SketchCodec.encode(OperatorTestData.batch(RUN,
                        new ProjectionSpec(OperatorTestData.SKETCH_DIM, OperatorTestData.PROJECTION_SEED, ProjectionKind.DENSE), 0, 0, 2, 0))));
        entries.add(sketch("09-nan-in-sketch", "a NaN in row 1's sketch", ReasonCode.NON_FINITE,
                raw().value(ArrowSchemas.SKETCH, row -> sketchWith(row, row == 1 ? Float.NaN : null)).encode()));
        entries.add(sketch("10-inf-in-sketch", "+Inf in row 2's sketch", ReasonCode.NON_FINITE,
                raw().value(ArrowSchemas.SKETCH, row -> sketchWith(row, row == 2 ? Float.POSITIVE_INFINITY : null)).encode()));
        entries.add(sketch("11-nan-loss", "loss NaN in row 0", ReasonCode.NON_FINITE,
                raw().value(ArrowSchemas.LOSS, row -> row == 0 ? Float.NaN : 1.5f).encode()));
        entries.add(sketch("12-inf-learning-rate", "learning rate -Inf in row 1", ReasonCode.NON_FINITE,
                raw().value(ArrowSchemas.LEARNING_RATE, row -> row == 1 ? Float.NEGATIVE_INFINITY : 0.01f).encode()));
        entries.add(sketch("13-unknown-role", "role 7 (roles are 0..2)", ReasonCode.UNKNOWN_ROLE,
                raw().value(ArrowSchemas.ROLE, row -> row == 2 ? (byte) 7 : Role.POOL.code()).encode()));
        entries.add(sketch("14-negative-step", "step -5 in row 0", ReasonCode.INVALID_VALUE,
                raw().value(ArrowSchemas.STEP, row -> row == 0 ? -5L : (long) row).encode()));
        entries.add(sketch("15-pool-row-checkpoint-minus-1", "a POOL row of checkpoint -1 (only TRAIN rows may precede checkpoint 0)",
                ReasonCode.INVALID_VALUE, raw().value(ArrowSchemas.CHECKPOINT, row -> -1).encode()));
        entries.add(sketch("16-probe-row-checkpoint-minus-1", "a PROBE row of checkpoint -1", ReasonCode.INVALID_VALUE,
                raw().value(ArrowSchemas.ROLE, row -> Role.PROBE.code()).value(ArrowSchemas.CHECKPOINT, row -> -1).encode()));
        String ghost = "run-never-started";
        entries.add(new Entry("17-no-run-start-after-grace", "POOL rows of a run whose run-start never comes; dead-lettered once the grace"
                + " period has passed", ReasonCode.NO_RUN_START, utf8(ghost), sketchHeaders(),
                raw().value(ArrowSchemas.RUN_ID, row -> ghost).encode(), false));
        entries.add(new Entry("18-unknown-schema-version", "header cadc-schema-version 3", ReasonCode.UNSUPPORTED_VERSION, utf8(RUN),
                headers(WireFormat.HEADER_SCHEMA_VERSION, "3", WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_ARROW),
                validSketches, true));
        entries.add(new Entry("19-missing-schema-version", "no cadc-schema-version header", ReasonCode.UNSUPPORTED_VERSION, utf8(RUN),
                headers(WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_ARROW), validSketches, true));
        entries.add(new Entry("20-missing-content-type", "no content-type header", ReasonCode.UNKNOWN_RECORD_TYPE, utf8(RUN),
                headers(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT), validSketches, true));
        entries.add(new Entry("21-wrong-content-type", "content-type text/plain", ReasonCode.UNKNOWN_RECORD_TYPE, utf8(RUN),
                headers(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT, WireFormat.HEADER_CONTENT_TYPE, "text/plain"),
                validSketches, true));
        entries.add(control("22-control-not-json", "a checkpoint-complete whose value is not JSON", ReasonCode.BAD_CONTROL_RECORD,
                WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE, utf8("checkpoint 0 is complete")));
        entries.add(control("23-control-missing-field", "a checkpoint-complete without 'rows'", ReasonCode.BAD_CONTROL_RECORD,
                WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE, utf8("{\"run_id\":\"" + RUN + "\",\"checkpoint\":0}")));
        entries.add(control("24-run-start-missing-field", "a run-start without 'projection_seed'", ReasonCode.BAD_CONTROL_RECORD,
                WireFormat.RECORD_TYPE_RUN_START, utf8("{\"run_id\":\"" + RUN + "\",\"sketch_dim\":8,"
                        + "\"projection_kind\":\"kronecker\",\"influence_source\":\"pool\"}")));
        entries.add(control("25-control-over-64-kib", "a checkpoint-complete of 70 KiB (an unknown padding field); the limit is 64 KiB",
                ReasonCode.OVERSIZED, WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE, utf8("{\"run_id\":\"" + RUN
                        + "\",\"checkpoint\":0,\"rows\":3,\"padding\":\"" + "x".repeat(70 * 1024) + "\"}")));
        entries.add(control("26-unknown-record-type", "a JSON record of type checkpoint-started", ReasonCode.UNKNOWN_RECORD_TYPE,
                "checkpoint-started", ControlRecordCodec.encode(new CheckpointComplete(RUN, 0, 3))));
        entries.add(keyed("27-run-id-empty", "an empty record key", new byte[0]));
        entries.add(keyed("28-run-id-missing", "no record key", null));
        entries.add(keyed("29-run-id-too-long", (RunIds.MAX_BYTES + 1) + " bytes of run id (the limit is " + RunIds.MAX_BYTES + ")",
                utf8("r".repeat(RunIds.MAX_BYTES + 1))));
        entries.add(keyed("30-run-id-bad-characters", "a run id with a space and a slash", utf8("team a/run 1")));
        entries.add(keyed("31-run-id-non-ascii", "a run id with a non-ASCII letter", utf8("run-\u00e9t\u00e9")));
        entries.add(sketch("32-rows-of-another-run", "rows naming another run than the record key", ReasonCode.RUN_MISMATCH,
                raw().value(ArrowSchemas.RUN_ID, row -> "another-run").encode()));
        entries.add(sketch("33-unparsable-seed-metadata", "metadata cadc.projection.seed is not a number", ReasonCode.INVALID_VALUE,
                raw().metadata(WireFormat.META_PROJECTION_SEED, "seven").encode()));
        entries.add(sketch("34-wrong-arrow-schema-version", "metadata cadc.schema.version 9", ReasonCode.UNSUPPORTED_VERSION,
                raw().metadata(WireFormat.META_SCHEMA_VERSION, "9").encode()));
        entries.add(control("35-control-wrong-field-type", "a checkpoint-complete whose 'rows' is a string", ReasonCode.BAD_CONTROL_RECORD,
                WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE, utf8("{\"run_id\":\"" + RUN + "\",\"checkpoint\":0,\"rows\":\"3\"}")));
        entries.add(control("36-run-start-other-projection", "a second run-start of the run with another seed",
                ReasonCode.PROJECTION_MISMATCH, WireFormat.RECORD_TYPE_RUN_START, ControlRecordCodec.encode(new RunStart(RUN,
                        OperatorTestData.SKETCH_DIM, 42L, ProjectionKind.KRONECKER, InfluenceSource.POOL))));
        return entries;
    }

    /** The corpus as stored in the classpath's {@code bad-input/}, in INDEX order (read once). */
    static List<Entry> load() {
        return Stored.ENTRIES;
    }

    private static final class Stored {
        static final List<Entry> ENTRIES = read();
    }

    private static List<Entry> read() {
        List<Entry> entries = new ArrayList<>();
        for (String name : names()) {
            try {
                JsonNode sidecar = JSON.readTree(resource(name + ".json"));
                entries.add(Entry.fromSidecar(name, sidecar, resource(sidecar.get("value").asText())));
            } catch (IOException e) {
                throw new UncheckedIOException("corpus file " + name + ".json is unreadable", e);
            }
        }
        return List.copyOf(entries);
    }

    /** Writes {@link #entries()} to {@code directory} (the README there is left alone; other files are removed). */
    static void write(Path directory) throws IOException {
        Files.createDirectories(directory);
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                String fileName = file.getFileName().toString();
                if (fileName.endsWith(".json") || fileName.endsWith(".bin") || fileName.equals("INDEX")) {
                    Files.delete(file);
                }
            }
        }
        List<String> index = new ArrayList<>();
        for (Entry entry : entries()) {
            Files.write(directory.resolve(entry.name() + ".bin"), entry.value());
            Files.writeString(directory.resolve(entry.name() + ".json"), JSON.writeValueAsString(entry.sidecar()) + "\n");
            index.add(entry.name());
        }
        Files.write(directory.resolve("INDEX"), index);
    }

    /** The entry names listed in the corpus's {@code INDEX} (a classpath folder cannot be listed portably). */
    private static List<String> names() {
        return new String(resource("INDEX"), StandardCharsets.UTF_8).lines().filter(line -> !line.isBlank()).toList();
    }

    static byte[] resource(String file) {
        try (InputStream in = BadInputCorpus.class.getClassLoader().getResourceAsStream(RESOURCE_DIRECTORY + file)) {
            if (in == null) {
                throw new IllegalStateException("corpus file " + RESOURCE_DIRECTORY + file + " is missing from the classpath;"
                        + " regenerate with -Dcadc.badInput.regenerate=true -Dtest=BadInputCorpusTest");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RawSketch raw() {
        return new RawSketch().value(ArrowSchemas.RUN_ID, row -> RUN);
    }

    /** Row {@code row}'s sketch (the operator tests' values) with its entry 3 replaced by {@code bad} when given. */
    private static float[] sketchWith(int row, Float bad) {
        float[] sketch = OperatorTestData.sketch(100 + row, 0);
        if (bad != null) {
            sketch[3] = bad;
        }
        return sketch;
    }

    private static Entry sketch(String name, String description, ReasonCode reason, byte[] value) {
        return new Entry(name, description, reason, utf8(RUN), sketchHeaders(), value, true);
    }

    private static Entry control(String name, String description, ReasonCode reason, String recordType, byte[] value) {
        return new Entry(name, description, reason, utf8(RUN), headers(WireFormat.HEADER_SCHEMA_VERSION,
                WireFormat.SCHEMA_VERSION_TEXT, WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_JSON,
                WireFormat.HEADER_RECORD_TYPE, recordType), value, true);
    }

    /** A valid sketch record of the corpus's run under another key. */
    private static Entry keyed(String name, String description, byte[] key) {
        return new Entry(name, description, ReasonCode.INVALID_RUN_ID, key, sketchHeaders(),
                SketchCodec.encode(OperatorTestData.batch(0, 0, 2, 0)), true);
    }

    private static List<String[]> sketchHeaders() {
        return headers(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT,
                WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_ARROW);
    }

    private static List<String[]> headers(String... pairs) {
        List<String[]> headers = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            headers.add(new String[] {pairs[i], pairs[i + 1]});
        }
        return headers;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
