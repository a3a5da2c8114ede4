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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
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
     * Encodes many batches, or slices of their rows, for a publisher that encodes a record per partition and
     * step: the values are the bytes {@link SketchCodec#encode(SketchBatch)} writes for a batch of those rows.
     *
     * <p>Everything in such a value but the data buffers of its columns depends only on the projection,
     * the row count and the run id's length in bytes: the schema message, the record batch's header
     * (lengths and buffer offsets), the validity buffers (all set: no value is null), the run ids' offsets,
     * the padding and the end-of-stream marker. The encoder writes that <em>frame</em> once per (projection,
     * rows, run id length) with Arrow's own IPC writer (for a batch of that shape whose values are zero),
     * keeps it, and then writes a value by copying the frame and the rows' values into the data buffers,
     * without building Arrow vectors, flatbuffers or IPC messages for each value. Frames are kept for the
     * {@value #MAX_FRAMES} shapes used last. Not thread-safe; {@link #close} frees Arrow's buffers.
     */
    public static final class Encoder implements AutoCloseable {

        /** Frames kept: a trainer's records come in few shapes (rows per partition and step, full records of a scan). */
        static final int MAX_FRAMES = 512;

        /** The buffers of a sketch record batch, in the schema's order (IPC layout of each column). */
        private static final int BUFFERS = 18;
        private static final int RUN_ID_DATA = 2;
        private static final int STEP_DATA = 4;
        private static final int CHECKPOINT_DATA = 6;
        private static final int ROLE_DATA = 8;
        private static final int SAMPLE_ID_DATA = 10;
        private static final int LEARNING_RATE_DATA = 12;
        private static final int LOSS_DATA = 14;
        private static final int SKETCH_DATA = 17;

        private final BufferAllocator allocator = ArrowIo.encoderAllocator("sketch-encoder");
        private VectorSchemaRoot root;
        private ProjectionSpec rootProjection;
        private final Map<Shape, Frame> frames = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Shape, Frame> eldest) {
                return size() > MAX_FRAMES;
            }
        };

        /** What a frame depends on. */
        private record Shape(ProjectionSpec projection, int rows, int runIdBytes) {}

        /**
         * A value of its shape without the sketches: {@code head} is the value up to the sketches' data
         * buffer, {@code tail} what follows it; the other offsets are those of the columns' data buffers.
         */
        private record Frame(byte[] head, byte[] tail, int length, int runIds, int steps, int checkpoints, int roles,
                int sampleIds, int learningRates, int losses, int sketches) {}

        /** The IPC stream value of {@code batch}, as {@link SketchCodec#encode(SketchBatch)} writes it. */
        public byte[] encode(SketchBatch batch) {
            return encode(batch, null, 0, batch.rowCount());
        }

        /**
         * The IPC stream value of rows {@code rows[from, to)} of {@code batch} (row indices, at least one, in
         * that order; {@code rows == null}: rows {@code from..to-1}): the bytes
         * {@link SketchCodec#encode(SketchBatch)} writes for a batch of those rows, without building it.
         */
        public byte[] encode(SketchBatch batch, int[] rows, int from, int to) {
            int count = to - from;
            if (count < 1) {
                throw new IllegalArgumentException("a sketch value carries at least one row; got rows " + from + " to " + to);
            }
            byte[] runId = batch.runId().getBytes(StandardCharsets.UTF_8);
            Frame frame = frames.computeIfAbsent(new Shape(batch.projection(), count, runId.length), this::frame);
            byte[] value = new byte[frame.length()];
            System.arraycopy(frame.head(), 0, value, 0, frame.head().length);
            System.arraycopy(frame.tail(), 0, value, frame.length() - frame.tail().length, frame.tail().length);
            for (int i = 0; i < count; i++) {
                System.arraycopy(runId, 0, value, frame.runIds() + i * runId.length, runId.length);
            }
            batch.writeColumns(ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN), rows, from, to, frame.steps(),
                    frame.checkpoints(), frame.roles(), frame.sampleIds(), frame.learningRates(), frame.losses(), frame.sketches());
            return value;
        }

        /** Writes a value of {@code shape} with Arrow and finds its data buffers. */
        private Frame frame(Shape shape) {
            int k = shape.projection().sketchDim();
            SketchBatch.Builder zeros = SketchBatch.builder("a".repeat(shape.runIdBytes()), shape.projection());
            float[] sketch = new float[k];
            for (int row = 0; row < shape.rows(); row++) {
                zeros.add(0, 0, Role.POOL, 0, 0f, 0f, sketch);
            }
            byte[] value = arrowEncode(zeros.build());
            ByteBuffer bytes = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
            // The schema message (no body), then the record batch message: continuation marker, metadata length, metadata, body.
            int batchMessage = 8 + bytes.getInt(4);
            if (bytes.getInt(0) != -1 || bytes.getInt(batchMessage) != -1) {
                throw new IllegalStateException("Arrow's IPC writer no longer writes continuation markers; the sketch encoder needs updating");
            }
            int metadataLength = bytes.getInt(batchMessage + 4);
            Message message = Message.getRootAsMessage(bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN)
                    .position(batchMessage + 8).limit(batchMessage + 8 + metadataLength).slice().order(ByteOrder.LITTLE_ENDIAN));
            if (message.headerType() != MessageHeader.RecordBatch) {
                throw new IllegalStateException("the second IPC message of a sketch value is not its record batch");
            }
            RecordBatch header = (RecordBatch) message.header(new RecordBatch());
            int body = batchMessage + 8 + metadataLength;
            int rows = shape.rows();
            long[] expected = new long[BUFFERS];
            Arrays.fill(expected, -1);
            expected[RUN_ID_DATA] = (long) rows * shape.runIdBytes();
            expected[STEP_DATA] = 8L * rows;
            expected[CHECKPOINT_DATA] = 4L * rows;
            expected[ROLE_DATA] = rows;
            expected[SAMPLE_ID_DATA] = 8L * rows;
            expected[LEARNING_RATE_DATA] = 4L * rows;
            expected[LOSS_DATA] = 4L * rows;
            expected[SKETCH_DATA] = 4L * rows * k;
            if (header.length() != rows || header.buffersLength() != BUFFERS || header.compression() != null) {
                throw new IllegalStateException("unexpected layout of a sketch record batch: " + header.length() + " rows, "
                        + header.buffersLength() + " buffers");
            }
            int[] offsets = new int[BUFFERS];
            for (int i = 0; i < BUFFERS; i++) {
                if (expected[i] >= 0 && header.buffers(i).length() != expected[i]) {
                    throw new IllegalStateException("buffer " + i + " of a sketch record batch holds " + header.buffers(i).length()
                            + " bytes, expected " + expected[i]);
                }
                offsets[i] = Math.toIntExact(body + header.buffers(i).offset());
            }
            int sketches = offsets[SKETCH_DATA];
            int sketchesEnd = Math.toIntExact(sketches + expected[SKETCH_DATA]);
            return new Frame(Arrays.copyOf(value, sketches), Arrays.copyOfRange(value, sketchesEnd, value.length), value.length,
                    offsets[RUN_ID_DATA], offsets[STEP_DATA], offsets[CHECKPOINT_DATA], offsets[ROLE_DATA],
                    offsets[SAMPLE_ID_DATA], offsets[LEARNING_RATE_DATA], offsets[LOSS_DATA], sketches);
        }

        /** The value of {@code batch} written by Arrow, reusing one vector root per projection. */
        private byte[] arrowEncode(SketchBatch batch) {
            if (!batch.projection().equals(rootProjection)) {
                if (root != null) {
                    root.close();
                }
                root = VectorSchemaRoot.create(ArrowSchemas.sketchSchema(batch.projection()), allocator);
                rootProjection = batch.projection();
            }
            fill(root, batch);
            byte[] value = ArrowIo.writeSingleBatch(root);
            // A frame is written once per shape: give the buffers back rather than hold the largest shape's.
            root.clear();
            return value;
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
