package dev.cadc.core.format;

import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Encodes a {@link SketchBatch} as the value of a {@code cadc.sketches} record (one Arrow IPC stream:
 * schema, one record batch, end-of-stream marker) and decodes such values without trusting them.
 *
 * <p>Decoding rejects, each with its {@link ReasonCode}: bytes that are not exactly one complete IPC
 * stream with one record batch and at least one row (MALFORMED_IPC), values over the limit (OVERSIZED),
 * missing columns or metadata keys (MISSING_COLUMN), columns of another type (WRONG_TYPE), a list width
 * other than {@code cadc.sketch.dim} (WRONG_DIMENSION), NaN or infinities (NON_FINITE), roles outside
 * 0..2 (UNKNOWN_ROLE), a schema version other than 1 (UNSUPPORTED_VERSION), nulls or an empty run id
 * (NULL_VALUE), rows of several runs (RUN_MISMATCH) and unreadable metadata values or out-of-range
 * steps and checkpoints (INVALID_VALUE). Columns beyond the schema's are ignored, so a later version
 * may add columns; fields declared nullable are accepted as long as they hold no null.
 */
public final class SketchCodec {

    /** The default limit on a value's size: 64 MiB. */
    public static final int DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

    private SketchCodec() {}

    /** The IPC stream value of {@code batch}. */
    public static byte[] encode(SketchBatch batch) {
        try (BufferAllocator allocator = ArrowIo.encoderAllocator("encode-sketches");
                VectorSchemaRoot root = VectorSchemaRoot.create(ArrowSchemas.sketchSchema(batch.projection()),
                        allocator)) {
            fill(root, batch);
            return ArrowIo.writeSingleBatch(root);
        }
    }

    /**
     * Encodes many batches with one Arrow allocator and one vector root (per projection), where
     * {@link #encode(SketchBatch)} builds both for every value: for a publisher that encodes a record per
     * partition and step. The values are the same bytes. Not thread-safe; {@link #close} frees the buffers.
     */
    public static final class Encoder implements AutoCloseable {

        private final BufferAllocator allocator = ArrowIo.encoderAllocator("sketch-encoder");
        private VectorSchemaRoot root;
        private ProjectionSpec rootProjection;

        /** The IPC stream value of {@code batch}, as {@link SketchCodec#encode(SketchBatch)} writes it. */
        public byte[] encode(SketchBatch batch) {
            if (!batch.projection().equals(rootProjection)) {
                if (root != null) {
                    root.close();
                }
                root = VectorSchemaRoot.create(ArrowSchemas.sketchSchema(batch.projection()), allocator);
                rootProjection = batch.projection();
            }
            fill(root, batch);
            return ArrowIo.writeSingleBatch(root);
        }

        @Override
        public void close() {
            if (root != null) {
                root.close();
            }
            allocator.close();
        }
    }

    /** Decodes a value of at most {@link #DEFAULT_MAX_BYTES}. */
    public static SketchBatch decode(byte[] value) {
        return decode(value, DEFAULT_MAX_BYTES);
    }

    /**
     * Decodes a value of at most {@code maxBytes}.
     *
     * @throws InvalidRecordException with the reason, as the class documents
     */
    public static SketchBatch decode(byte[] value, int maxBytes) {
        return ArrowIo.decodeSingleBatch(value, maxBytes, "sketch", SketchCodec::projectionOf, (schema, root) -> {
            if (root.getRowCount() == 0) {
                throw ArrowIo.malformed("the sketch record batch has no rows; a record carries at least one");
            }
            List<SketchBatch> runs = read(root, projectionOf(schema));
            if (runs.size() > 1) {
                throw new InvalidRecordException(
                        ReasonCode.RUN_MISMATCH,
                        "one record holds rows of several runs: "
                                + runs.stream().map(SketchBatch::runId).distinct().toList()
                                + "; a record carries the rows of one run (its key)");
            }
            return runs.get(0);
        });
    }

    /**
     * Checks a sketch schema and returns the projection in its metadata.
     *
     * @throws InvalidRecordException MISSING_COLUMN, WRONG_TYPE, WRONG_DIMENSION, UNSUPPORTED_VERSION
     *     or INVALID_VALUE
     */
    static ProjectionSpec projectionOf(Schema schema) {
        ArrowIo.requireSchemaVersion(schema);
        int sketchDim = (int) ArrowIo.requireLongMetadata(schema, WireFormat.META_SKETCH_DIM, 1, Integer.MAX_VALUE);
        long seed = ArrowIo.requireLongMetadata(schema, WireFormat.META_PROJECTION_SEED, Long.MIN_VALUE, Long.MAX_VALUE);
        String kindName = ArrowIo.requireMetadata(schema, WireFormat.META_PROJECTION_KIND);
        ProjectionKind kind;
        try {
            kind = ProjectionKind.fromWireName(kindName.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                    "metadata '" + WireFormat.META_PROJECTION_KIND + "': " + e.getMessage(), e);
        }
        ArrowIo.requireField(schema, ArrowSchemas.RUN_ID, ArrowSchemas.UTF8);
        ArrowIo.requireField(schema, ArrowSchemas.STEP, ArrowSchemas.INT64);
        ArrowIo.requireField(schema, ArrowSchemas.CHECKPOINT, ArrowSchemas.INT32);
        ArrowIo.requireField(schema, ArrowSchemas.ROLE, ArrowSchemas.INT8);
        ArrowIo.requireField(schema, ArrowSchemas.SAMPLE_ID, ArrowSchemas.INT64);
        ArrowIo.requireField(schema, ArrowSchemas.LEARNING_RATE, ArrowSchemas.FLOAT32);
        ArrowIo.requireField(schema, ArrowSchemas.LOSS, ArrowSchemas.FLOAT32);
        Field sketch = ArrowIo.requireNamedField(schema, ArrowSchemas.SKETCH);
        if (!(sketch.getType() instanceof ArrowType.FixedSizeList list)) {
            throw new InvalidRecordException(ReasonCode.WRONG_TYPE,
                    "column 'sketch' must be fixed_size_list<float32>[" + sketchDim + "], got " + sketch.getType());
        }
        ArrowIo.requireChild(sketch, ArrowSchemas.FLOAT32);
        if (list.getListSize() != sketchDim) {
            throw new InvalidRecordException(ReasonCode.WRONG_DIMENSION,
                    "column 'sketch' holds lists of " + list.getListSize() + " floats but metadata '"
                            + WireFormat.META_SKETCH_DIM + "' says " + sketchDim);
        }
        return new ProjectionSpec(sketchDim, seed, kind);
    }

    /** Writes the rows of {@code batch} into {@code root}, whose schema is the batch's sketch schema. */
    static void fill(VectorSchemaRoot root, SketchBatch batch) {
        int rows = batch.rowCount();
        int k = batch.projection().sketchDim();
        VarCharVector runIds = (VarCharVector) root.getVector(ArrowSchemas.RUN_ID);
        BigIntVector steps = (BigIntVector) root.getVector(ArrowSchemas.STEP);
        IntVector checkpoints = (IntVector) root.getVector(ArrowSchemas.CHECKPOINT);
        TinyIntVector roles = (TinyIntVector) root.getVector(ArrowSchemas.ROLE);
        BigIntVector sampleIds = (BigIntVector) root.getVector(ArrowSchemas.SAMPLE_ID);
        Float4Vector learningRates = (Float4Vector) root.getVector(ArrowSchemas.LEARNING_RATE);
        Float4Vector losses = (Float4Vector) root.getVector(ArrowSchemas.LOSS);
        FixedSizeListVector sketches = (FixedSizeListVector) root.getVector(ArrowSchemas.SKETCH);
        Float4Vector sketchValues = (Float4Vector) sketches.getDataVector();
        root.clear();
        root.allocateNew();
        byte[] runId = batch.runId().getBytes(StandardCharsets.UTF_8);
        float[] sketch = new float[k];
        for (int row = 0; row < rows; row++) {
            runIds.setSafe(row, runId);
            steps.setSafe(row, batch.step(row));
            checkpoints.setSafe(row, batch.checkpoint(row));
            roles.setSafe(row, batch.role(row).code());
            sampleIds.setSafe(row, batch.sampleId(row));
            learningRates.setSafe(row, batch.learningRate(row));
            losses.setSafe(row, batch.loss(row));
            batch.copySketch(row, sketch, 0);
            sketches.setNotNull(row);
            for (int i = 0; i < k; i++) {
                sketchValues.setSafe(row * k + i, sketch[i]);
            }
        }
        sketchValues.setValueCount(rows * k);
        root.setRowCount(rows);
    }

    /**
     * Reads a loaded, validated batch whose schema passed {@link #projectionOf}: one {@link SketchBatch}
     * per run of consecutive rows with the same run id, in row order (none for an empty batch).
     */
    static List<SketchBatch> read(VectorSchemaRoot root, ProjectionSpec projection) {
        int rows = root.getRowCount();
        int k = projection.sketchDim();
        VarCharVector runIds = (VarCharVector) root.getVector(ArrowSchemas.RUN_ID);
        BigIntVector steps = (BigIntVector) root.getVector(ArrowSchemas.STEP);
        IntVector checkpoints = (IntVector) root.getVector(ArrowSchemas.CHECKPOINT);
        TinyIntVector roles = (TinyIntVector) root.getVector(ArrowSchemas.ROLE);
        BigIntVector sampleIds = (BigIntVector) root.getVector(ArrowSchemas.SAMPLE_ID);
        Float4Vector learningRates = (Float4Vector) root.getVector(ArrowSchemas.LEARNING_RATE);
        Float4Vector losses = (Float4Vector) root.getVector(ArrowSchemas.LOSS);
        FixedSizeListVector sketches = (FixedSizeListVector) root.getVector(ArrowSchemas.SKETCH);
        for (FieldVector vector : List.<FieldVector>of(
                runIds, steps, checkpoints, roles, sampleIds, learningRates, losses, sketches)) {
            ArrowIo.requireNoNulls(vector);
        }
        Float4Vector sketchValues = (Float4Vector) sketches.getDataVector();

        List<SketchBatch> runs = new ArrayList<>();
        int start = 0;
        while (start < rows) {
            byte[] runId = runIds.get(start);
            int end = start + 1;
            while (end < rows && Arrays.equals(runId, runIds.get(end))) {
                end++;
            }
            int count = end - start;
            long[] stepColumn = new long[count];
            int[] checkpointColumn = new int[count];
            byte[] roleColumn = new byte[count];
            long[] sampleIdColumn = new long[count];
            float[] learningRateColumn = new float[count];
            float[] lossColumn = new float[count];
            float[] sketchColumn = new float[Math.multiplyExact(count, k)];
            for (int i = 0; i < count; i++) {
                int row = start + i;
                stepColumn[i] = steps.get(row);
                checkpointColumn[i] = checkpoints.get(row);
                roleColumn[i] = roles.get(row);
                sampleIdColumn[i] = sampleIds.get(row);
                learningRateColumn[i] = learningRates.get(row);
                lossColumn[i] = losses.get(row);
            }
            // The sketches of rows start..end-1 are contiguous in the list's data buffer (checked for nulls
            // above): one bulk copy instead of a checked get per value.
            int from = sketches.getElementStartIndex(start);
            sketchValues.getDataBuffer().nioBuffer((long) from * Float.BYTES, Math.multiplyExact(sketchColumn.length, Float.BYTES))
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(sketchColumn);
            runs.add(SketchBatch.ofColumns(utf8(runId), projection, stepColumn, checkpointColumn, roleColumn,
                    sampleIdColumn, learningRateColumn, lossColumn, sketchColumn));
            start = end;
        }
        return runs;
    }

    /** Strict UTF-8: a run id that is not valid UTF-8 cannot match any record key. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "run_id is not valid UTF-8", e);
        }
    }
}
