package dev.cadc.core.format;

import static dev.cadc.core.format.FormatTestData.PROJECTION;
import static dev.cadc.core.format.FormatTestData.RUN_ID;
import static dev.cadc.core.format.FormatTestData.SKETCH_DIM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.core.format.FormatTestData.RawSketch;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SketchCodecTest {

    @AfterEach
    void noArrowMemoryLeft() {
        assertThat(ArrowIo.allocatedBytes()).as("Arrow bytes still allocated").isZero();
    }

    @Test
    void roundTripIsExact() {
        SketchBatch batch = FormatTestData.sketchBatch();

        SketchBatch decoded = SketchCodec.decode(SketchCodec.encode(batch));

        assertThat(decoded).isEqualTo(batch);
        assertThat(decoded.runId()).isEqualTo(RUN_ID);
        assertThat(decoded.projection()).isEqualTo(PROJECTION);
        assertThat(decoded.rowCount()).isEqualTo(6);
        assertThat(decoded.checkpoint(0)).isEqualTo(-1);
        assertThat(decoded.role(4)).isEqualTo(Role.PROBE);
        assertThat(decoded.sketch(5)).containsExactly(FormatTestData.sketch(5, SKETCH_DIM));
    }

    @Test
    void oneEncoderWritesTheSameBytesForEveryBatchAndFreesItsBuffersOnClose() {
        SketchBatch.Builder large = SketchBatch.builder(RUN_ID, PROJECTION);
        for (int row = 0; row < 300; row++) {
            large.add(row, 0, Role.POOL, row, 0.01f, 1f, FormatTestData.sketch(row, SKETCH_DIM));
        }
        SketchBatch otherProjection = SketchBatch.builder(RUN_ID,
                        new dev.cadc.core.sketch.ProjectionSpec(SKETCH_DIM + 1, 1L, ProjectionKind.KRONECKER))
                .add(0, -1, Role.TRAIN, -3, 0.01f, 2.5f, FormatTestData.sketch(0, SKETCH_DIM + 1))
                .build();
        // Larger, then smaller, then another schema, then back: the reused root must not leak rows or widths.
        SketchBatch[] batches = {FormatTestData.sketchBatch(), large.build(), FormatTestData.sketchBatch("other-run", 7),
            otherProjection, FormatTestData.sketchBatch()};

        try (SketchCodec.Encoder encoder = new SketchCodec.Encoder()) {
            for (SketchBatch batch : batches) {
                assertThat(encoder.encode(batch)).as("rows %d", batch.rowCount()).isEqualTo(SketchCodec.encode(batch));
            }
        }
    }

    /**
     * The encoder writes values from frames it keeps per shape (projection, rows, run id length): byte for byte
     * what Arrow's writer ({@link SketchCodec#encode(SketchBatch)}) writes, for whole batches and for slices of
     * their rows in any order, for many shapes, each shape met again with other values, and after frames were
     * dropped for newer shapes.
     */
    @Test
    void encoderWritesArrowsBytesForEveryShapeAndSliceOfRows() {
        Random random = new Random(11);
        String[] runIds = {"r", "run-2025-demo", "team-a.run-2025-01-07:3", "x".repeat(128), "r\u00e9sum\u00e9-\u4e00"};
        int[] widths = {1, 3, 8, 512};
        try (SketchCodec.Encoder encoder = new SketchCodec.Encoder()) {
            for (int round = 0; round < 120; round++) {
                int k = widths[random.nextInt(widths.length)];
                ProjectionSpec projection = new ProjectionSpec(k, random.nextLong(),
                        random.nextBoolean() ? ProjectionKind.KRONECKER : ProjectionKind.DENSE);
                SketchBatch batch = randomBatch(random, runIds[random.nextInt(runIds.length)], projection, 1 + random.nextInt(70));

                assertThat(encoder.encode(batch)).as("round %d, whole batch", round).isEqualTo(SketchCodec.encode(batch));
                int[] order = shuffledRows(random, batch.rowCount());
                int from = random.nextInt(order.length);
                int to = from + 1 + random.nextInt(order.length - from);
                assertThat(encoder.encode(batch, order, from, to)).as("round %d, rows %d..%d of a shuffle", round, from, to)
                        .isEqualTo(SketchCodec.encode(rowsOf(batch, order, from, to)));
                assertThat(encoder.encode(batch, null, from, to)).as("round %d, consecutive rows %d..%d", round, from, to)
                        .isEqualTo(SketchCodec.encode(rowsOf(batch, null, from, to)));
                // The same shape again with other values: the frame is reused, the values are this batch's.
                SketchBatch again = randomBatch(random, "q".repeat(batch.runId().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                        projection, batch.rowCount());
                assertThat(encoder.encode(again)).as("round %d, same shape", round).isEqualTo(SketchCodec.encode(again));
            }
            // More shapes than the encoder keeps frames for, then the first ones again.
            ProjectionSpec small = new ProjectionSpec(2, 5L, ProjectionKind.KRONECKER);
            for (int rows = 1; rows <= SketchCodec.Encoder.MAX_FRAMES + 20; rows++) {
                SketchBatch batch = randomBatch(random, "run", small, rows);
                if (rows % 97 == 1) {
                    assertThat(encoder.encode(batch)).as("%d rows", rows).isEqualTo(SketchCodec.encode(batch));
                } else {
                    encoder.encode(batch);
                }
            }
            for (int rows = 1; rows <= 3; rows++) {
                SketchBatch batch = randomBatch(random, "run", small, rows);
                assertThat(encoder.encode(batch)).as("%d rows after eviction", rows).isEqualTo(SketchCodec.encode(batch));
            }
        }
    }

    @Test
    void aBuilderWithRoomForItsRowsBuildsTheSameBatchAndRowsAddedLaterDoNotTouchIt() {
        SketchBatch expected = FormatTestData.sketchBatch();
        SketchBatch.Builder builder = SketchBatch.builder(expected.runId(), expected.projection(), expected.rowCount());
        for (int row = 0; row < expected.rowCount(); row++) {
            builder.add(expected.step(row), expected.checkpoint(row), expected.role(row), expected.sampleId(row),
                    expected.learningRate(row), expected.loss(row), expected.sketch(row));
        }

        SketchBatch full = builder.build();
        byte[] encoded = SketchCodec.encode(full);
        builder.add(99, 3, Role.POOL, 99, 0.5f, 0.5f, FormatTestData.sketch(99, SKETCH_DIM));
        SketchBatch longer = builder.build();

        assertThat(full).isEqualTo(expected);
        assertThat(SketchCodec.encode(full)).isEqualTo(encoded).isEqualTo(SketchCodec.encode(expected));
        assertThat(longer.rowCount()).isEqualTo(expected.rowCount() + 1);
        assertThat(longer.sampleId(expected.rowCount())).isEqualTo(99);
        assertThat(longer.sketch(0)).containsExactly(expected.sketch(0));
        assertThatThrownBy(() -> SketchBatch.builder(RUN_ID, PROJECTION, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encoderRefusesAnEmptySliceOfRows() {
        try (SketchCodec.Encoder encoder = new SketchCodec.Encoder()) {
            assertThatThrownBy(() -> encoder.encode(FormatTestData.sketchBatch(), null, 2, 2))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static SketchBatch randomBatch(Random random, String runId, ProjectionSpec projection, int rows) {
        SketchBatch.Builder builder = SketchBatch.builder(runId, projection);
        float[] sketch = new float[projection.sketchDim()];
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE, 1e-30f};
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < sketch.length; i++) {
                sketch[i] = random.nextInt(10) == 0 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
            }
            Role role = Role.values()[random.nextInt(Role.values().length)];
            int checkpoint = role == Role.TRAIN ? random.nextInt(5) - 1 : random.nextInt(Integer.MAX_VALUE);
            long sampleId = random.nextBoolean() ? random.nextLong() : random.nextInt(40_000);
            builder.add(random.nextBoolean() ? random.nextInt(10_000) : random.nextLong() & Long.MAX_VALUE, checkpoint, role, sampleId,
                    random.nextFloat() * 0.01f, random.nextFloat() * 5, sketch);
        }
        return builder.build();
    }

    private static int[] shuffledRows(Random random, int rows) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, rows).boxed().toList());
        Collections.shuffle(order, random);
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A batch of rows {@code rows[from, to)} of {@code batch} ({@code null}: consecutive rows), built row by row. */
    private static SketchBatch rowsOf(SketchBatch batch, int[] rows, int from, int to) {
        SketchBatch.Builder builder = SketchBatch.builder(batch.runId(), batch.projection());
        for (int i = from; i < to; i++) {
            int row = rows == null ? i : rows[i];
            builder.add(batch.step(row), batch.checkpoint(row), batch.role(row), batch.sampleId(row), batch.learningRate(row),
                    batch.loss(row), batch.sketch(row));
        }
        return builder.build();
    }

    @Test
    void copySketchWritesAtTheOffsetAndSketchReturnsACopy() {
        SketchBatch batch = FormatTestData.sketchBatch();
        float[] target = new float[SKETCH_DIM + 2];

        batch.copySketch(3, target, 2);
        batch.sketch(3)[0] = 99f;

        assertThat(Arrays.copyOfRange(target, 2, SKETCH_DIM + 2)).containsExactly(FormatTestData.sketch(3, SKETCH_DIM));
        assertThat(batch.sketch(3)[0]).isEqualTo(FormatTestData.sketchValue(3, 0));
    }

    @Test
    void rawDefaultsAreValidSoEachBadCaseBreaksOneThing() {
        SketchBatch decoded = SketchCodec.decode(new RawSketch().encode());

        assertThat(decoded.rowCount()).isEqualTo(3);
        assertThat(decoded.role(0)).isEqualTo(Role.POOL);
    }

    @Test
    void nullableDeclaredFieldsWithoutNullsAreAccepted() {
        assertThat(SketchCodec.decode(new RawSketch().nullable(ArrowSchemas.LOSS).encode()).rowCount()).isEqualTo(3);
    }

    @Test
    void extraColumnsAreIgnored() {
        byte[] value = new RawSketch()
                .replace(ArrowSchemas.SKETCH, ArrowSchemas.sketchFields(SKETCH_DIM).get(7))
                .encode();
        assertThat(SketchCodec.decode(value).rowCount()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 8, 50, 200, -1, -9})
    void truncatedBytesAreMalformed(int cut) {
        byte[] valid = SketchCodec.encode(FormatTestData.sketchBatch());
        int length = cut >= 0 ? cut : valid.length + cut;

        assertReason(() -> SketchCodec.decode(Arrays.copyOf(valid, length)), ReasonCode.MALFORMED_IPC);
    }

    /** The 8-byte end-of-stream marker is optional (writers that never close omit it); all else is needed. */
    @Test
    void everyTruncationBeforeTheEndOfStreamMarkerIsRejectedWithoutLeaking() {
        byte[] valid = SketchCodec.encode(FormatTestData.sketchBatch());
        int withoutEndMarker = valid.length - 8;
        assertThat(SketchCodec.decode(Arrays.copyOf(valid, withoutEndMarker))).isEqualTo(FormatTestData.sketchBatch());
        for (int length = 0; length < valid.length; length++) {
            if (length == withoutEndMarker) {
                continue;
            }
            byte[] cut = Arrays.copyOf(valid, length);
            assertThatThrownBy(() -> SketchCodec.decode(cut))
                    .as("value cut to %d of %d bytes", length, valid.length)
                    .isInstanceOf(InvalidRecordException.class);
        }
    }

    @Test
    void randomGarbageIsMalformed() {
        Random random = new Random(20251001L);
        for (int i = 0; i < 200; i++) {
            byte[] garbage = new byte[1 + random.nextInt(2000)];
            random.nextBytes(garbage);
            assertReason(() -> SketchCodec.decode(garbage), ReasonCode.MALFORMED_IPC);
        }
    }

    @Test
    void aLengthPrefixClaimingGigabytesIsRejectedBeforeAllocating() {
        byte[] value = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-1).putInt(Integer.MAX_VALUE - 7)
                .array();

        assertReason(() -> SketchCodec.decode(value), ReasonCode.MALFORMED_IPC);
    }

    @Test
    void flippedBytesNeverEscapeAsAnotherException() {
        byte[] valid = SketchCodec.encode(FormatTestData.sketchBatch());
        Random random = new Random(7L);
        for (int i = 0; i < 500; i++) {
            byte[] mutated = valid.clone();
            mutated[random.nextInt(mutated.length)] ^= (byte) (1 + random.nextInt(255));
            try {
                SketchCodec.decode(mutated);
            } catch (InvalidRecordException expected) {
                assertThat(expected.reason()).isNotNull();
            }
        }
    }

    @Test
    void oversizedValuesAreRejected() {
        byte[] valid = SketchCodec.encode(FormatTestData.sketchBatch());

        assertReason(() -> SketchCodec.decode(valid, valid.length - 1), ReasonCode.OVERSIZED);
        assertThat(SketchCodec.decode(valid, valid.length)).isEqualTo(FormatTestData.sketchBatch());
    }

    @Test
    void trailingBytesAfterTheStreamAreMalformed() {
        byte[] valid = SketchCodec.encode(FormatTestData.sketchBatch());

        assertReason(() -> SketchCodec.decode(Arrays.copyOf(valid, valid.length + 8)), ReasonCode.MALFORMED_IPC);
    }

    @Test
    void missingColumnIsRejected() {
        assertReason(() -> SketchCodec.decode(new RawSketch().without(ArrowSchemas.LOSS).encode()),
                ReasonCode.MISSING_COLUMN);
    }

    @Test
    void missingMetadataKeyIsRejected() {
        assertReason(() -> SketchCodec.decode(new RawSketch().metadata(WireFormat.META_PROJECTION_SEED, null).encode()),
                ReasonCode.MISSING_COLUMN);
    }

    @Test
    void wrongColumnTypeIsRejected() {
        assertReason(() -> SketchCodec.decode(
                new RawSketch().retype(ArrowSchemas.STEP, new ArrowType.Int(32, true)).encode()), ReasonCode.WRONG_TYPE);
    }

    @Test
    void sketchOfDoublesIsAWrongType() {
        Field doubles = new Field(ArrowSchemas.SKETCH, FieldType.notNullable(new ArrowType.FixedSizeList(SKETCH_DIM)),
                java.util.List.of(new Field("item", FieldType.notNullable(ArrowSchemas.FLOAT64), null)));
        byte[] value = new RawSketch().replace(ArrowSchemas.SKETCH, doubles).value(ArrowSchemas.SKETCH, row -> 0.0)
                .rows(0).encode();

        assertReason(() -> SketchCodec.decode(value), ReasonCode.WRONG_TYPE);
    }

    @Test
    void listWidthOtherThanTheMetadataDimensionIsRejected() {
        Field narrow = new Field(ArrowSchemas.SKETCH, FieldType.notNullable(new ArrowType.FixedSizeList(4)),
                java.util.List.of(new Field("item", FieldType.notNullable(ArrowSchemas.FLOAT32), null)));

        assertReason(() -> SketchCodec.decode(new RawSketch().replace(ArrowSchemas.SKETCH, narrow).encode()),
                ReasonCode.WRONG_DIMENSION);
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteSketchValueIsRejected(float bad) {
        RawSketch raw = new RawSketch().value(ArrowSchemas.SKETCH, row -> {
            float[] sketch = FormatTestData.sketch(row, SKETCH_DIM);
            if (row == 2) {
                sketch[5] = bad;
            }
            return sketch;
        });
        assertReason(() -> SketchCodec.decode(raw.encode()), ReasonCode.NON_FINITE);
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteLearningRateIsRejected(float bad) {
        assertReason(() -> SketchCodec.decode(
                new RawSketch().value(ArrowSchemas.LEARNING_RATE, row -> bad).encode()), ReasonCode.NON_FINITE);
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteLossIsRejected(float bad) {
        assertReason(() -> SketchCodec.decode(
                new RawSketch().value(ArrowSchemas.LOSS, row -> row == 1 ? bad : 1f).encode()), ReasonCode.NON_FINITE);
    }

    @Test
    void unknownRoleIsRejected() {
        assertReason(() -> SketchCodec.decode(new RawSketch().value(ArrowSchemas.ROLE, row -> (byte) 7).encode()),
                ReasonCode.UNKNOWN_ROLE);
    }

    @Test
    void otherSchemaVersionIsUnsupported() {
        assertReason(() -> SketchCodec.decode(new RawSketch().metadata(WireFormat.META_SCHEMA_VERSION, "2").encode()),
                ReasonCode.UNSUPPORTED_VERSION);
        assertReason(() -> SketchCodec.decode(new RawSketch().metadata(WireFormat.META_SCHEMA_VERSION, "one").encode()),
                ReasonCode.UNSUPPORTED_VERSION);
    }

    @Test
    void unreadableMetadataValuesAreInvalid() {
        assertReason(() -> SketchCodec.decode(new RawSketch().metadata(WireFormat.META_SKETCH_DIM, "eight").encode()),
                ReasonCode.INVALID_VALUE);
        assertReason(() -> SketchCodec.decode(
                new RawSketch().metadata(WireFormat.META_PROJECTION_SEED, "18446744073709551615").encode()),
                ReasonCode.INVALID_VALUE);
        assertReason(() -> SketchCodec.decode(
                new RawSketch().metadata(WireFormat.META_PROJECTION_KIND, "gaussian").encode()),
                ReasonCode.INVALID_VALUE);
    }

    @Test
    void nullsAreRejected() {
        assertReason(() -> SketchCodec.decode(new RawSketch().nullable(ArrowSchemas.SAMPLE_ID)
                .value(ArrowSchemas.SAMPLE_ID, row -> row == 1 ? null : 5L).encode()), ReasonCode.NULL_VALUE);
        assertReason(() -> SketchCodec.decode(new RawSketch().nullable(ArrowSchemas.RUN_ID)
                .value(ArrowSchemas.RUN_ID, row -> null).encode()), ReasonCode.NULL_VALUE);
    }

    @Test
    void emptyRunIdIsANullValue() {
        assertReason(() -> SketchCodec.decode(new RawSketch().value(ArrowSchemas.RUN_ID, row -> "").encode()),
                ReasonCode.NULL_VALUE);
    }

    @Test
    void mixedRunIdsAreRejected() {
        assertReason(() -> SketchCodec.decode(
                new RawSketch().value(ArrowSchemas.RUN_ID, row -> row == 2 ? "other-run" : RUN_ID).encode()),
                ReasonCode.RUN_MISMATCH);
    }

    @Test
    void zeroOrSeveralRecordBatchesAreMalformed() {
        byte[] schemaOnly = new RawSketch().batches(0).encode();
        byte[] twoBatches = new RawSketch().batches(2).encode();
        byte[] emptyBatch = new RawSketch().rows(0).encode();

        assertReason(() -> SketchCodec.decode(schemaOnly), ReasonCode.MALFORMED_IPC);
        assertReason(() -> SketchCodec.decode(twoBatches), ReasonCode.MALFORMED_IPC);
        assertReason(() -> SketchCodec.decode(emptyBatch), ReasonCode.MALFORMED_IPC);
    }

    @Test
    void negativeStepAndPoolRowBeforeFirstCheckpointAreInvalid() {
        assertReason(() -> SketchCodec.decode(new RawSketch().value(ArrowSchemas.STEP, row -> -1L).encode()),
                ReasonCode.INVALID_VALUE);
        assertReason(() -> SketchCodec.decode(new RawSketch().value(ArrowSchemas.CHECKPOINT, row -> -1).encode()),
                ReasonCode.INVALID_VALUE);
    }

    @Test
    void builderRejectsWrongWidthAndNonFiniteValues() {
        SketchBatch.Builder builder = SketchBatch.builder(RUN_ID, PROJECTION);

        assertReason(() -> builder.add(0, 0, Role.POOL, 1, 0.1f, 1f, new float[SKETCH_DIM - 1]),
                ReasonCode.WRONG_DIMENSION);
        float[] withNaN = FormatTestData.sketch(0, SKETCH_DIM);
        withNaN[3] = Float.NaN;
        assertReason(() -> builder.add(0, 0, Role.POOL, 1, 0.1f, 1f, withNaN), ReasonCode.NON_FINITE);
        assertReason(() -> builder.add(0, 0, Role.POOL, 1, Float.NaN, 1f, FormatTestData.sketch(0, SKETCH_DIM)),
                ReasonCode.NON_FINITE);
        assertReason(() -> builder.add(0, 0, Role.POOL, 1, 0.1f, Float.POSITIVE_INFINITY,
                FormatTestData.sketch(0, SKETCH_DIM)), ReasonCode.NON_FINITE);
        assertThat(builder.rowCount()).isZero();
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void batchesDifferingInOneValueAreNotEqual() {
        SketchBatch batch = FormatTestData.sketchBatch();
        SketchBatch otherSeed = SketchBatch.builder(RUN_ID,
                        new dev.cadc.core.sketch.ProjectionSpec(SKETCH_DIM, 1L, ProjectionKind.KRONECKER))
                .add(0, -1, Role.TRAIN, -3, 0.01f, 2.5f, FormatTestData.sketch(0, SKETCH_DIM))
                .build();

        assertThat(batch).isEqualTo(FormatTestData.sketchBatch()).hasSameHashCodeAs(FormatTestData.sketchBatch());
        assertThat(batch).isNotEqualTo(FormatTestData.sketchBatch(RUN_ID, 1));
        assertThat(otherSeed).isNotEqualTo(batch);
    }

    static void assertReason(ThrowingCallable call, ReasonCode reason) {
        assertThatThrownBy(call)
                .isInstanceOf(InvalidRecordException.class)
                .satisfies(error -> assertThat(((InvalidRecordException) error).reason())
                        .as("reason of: %s", error.getMessage())
                        .isEqualTo(reason));
    }
}
