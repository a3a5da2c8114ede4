package dev.cadc.core.format;

import dev.cadc.core.sketch.ProjectionSpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * The rows of one {@code cadc.sketches} record: sketches of one run under one projection, held in
 * columns (one primitive array per column, the sketches in one flat row-major array) so a batch of
 * thousands of rows costs a handful of objects.
 *
 * <p>Immutable, and valid by construction: every row has {@code step >= 0}, {@code checkpoint >= -1}
 * ({@code -1} only for TRAIN rows before the first checkpoint), a finite learning rate and loss, and a
 * sketch of exactly {@code projection().sketchDim()} finite floats. Violations throw
 * {@link InvalidRecordException} (an {@link IllegalArgumentException}) with the reason a decoder
 * reports.
 */
public final class SketchBatch {

    private final String runId;
    private final ProjectionSpec projection;
    private final int rowCount;
    private final long[] steps;
    private final int[] checkpoints;
    private final byte[] roles;
    private final long[] sampleIds;
    private final float[] learningRates;
    private final float[] losses;
    /** Row-major: row {@code r} occupies {@code [r * k, (r + 1) * k)}. */
    private final float[] sketches;

    private SketchBatch(
            String runId,
            ProjectionSpec projection,
            int rowCount,
            long[] steps,
            int[] checkpoints,
            byte[] roles,
            long[] sampleIds,
            float[] learningRates,
            float[] losses,
            float[] sketches) {
        this.runId = runId;
        this.projection = projection;
        this.rowCount = rowCount;
        this.steps = steps;
        this.checkpoints = checkpoints;
        this.roles = roles;
        this.sampleIds = sampleIds;
        this.learningRates = learningRates;
        this.losses = losses;
        this.sketches = sketches;
    }

    /**
     * A batch over columns the caller hands over (not copied): every row is validated. Used by the
     * decoders, which fill fresh arrays.
     */
    static SketchBatch ofColumns(
            String runId,
            ProjectionSpec projection,
            long[] steps,
            int[] checkpoints,
            byte[] roles,
            long[] sampleIds,
            float[] learningRates,
            float[] losses,
            float[] sketches) {
        requireRunId(runId);
        Objects.requireNonNull(projection, "projection");
        int rows = steps.length;
        int k = projection.sketchDim();
        if (checkpoints.length != rows || roles.length != rows || sampleIds.length != rows
                || learningRates.length != rows || losses.length != rows
                || sketches.length != (long) rows * k) {
            throw new IllegalArgumentException("column lengths disagree with " + rows + " rows of width " + k);
        }
        for (int row = 0; row < rows; row++) {
            checkRow(row, steps[row], checkpoints[row], roles[row], learningRates[row], losses[row]);
            checkSketch(row, sketches, row * k, k);
        }
        return new SketchBatch(runId, projection, rows, steps, checkpoints, roles, sampleIds, learningRates,
                losses, sketches);
    }

    /** A builder for a batch of run {@code runId} sketched with {@code projection}. */
    public static Builder builder(String runId, ProjectionSpec projection) {
        return new Builder(runId, projection, Builder.INITIAL_CAPACITY);
    }

    /**
     * A builder with room for {@code rows} rows: a batch of exactly that many is built without growing
     * or copying the columns (the batch takes the builder's arrays; a row added later goes to new ones).
     */
    public static Builder builder(String runId, ProjectionSpec projection, int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("a builder's room must be at least one row, got " + rows);
        }
        return new Builder(runId, projection, rows);
    }

    /** The run every row belongs to (also the Kafka record key). */
    public String runId() {
        return runId;
    }

    /** The projection that produced the sketches; travels in the schema metadata. */
    public ProjectionSpec projection() {
        return projection;
    }

    public int rowCount() {
        return rowCount;
    }

    /** The training step of {@code row}. */
    public long step(int row) {
        return steps[Objects.checkIndex(row, rowCount)];
    }

    /** The newest checkpoint at or before the row's step ({@code -1} before the first, TRAIN only). */
    public int checkpoint(int row) {
        return checkpoints[Objects.checkIndex(row, rowCount)];
    }

    public Role role(int row) {
        return Role.fromCode(roles[Objects.checkIndex(row, rowCount)]);
    }

    public long sampleId(int row) {
        return sampleIds[Objects.checkIndex(row, rowCount)];
    }

    /** The learning rate eta at the row's step. */
    public float learningRate(int row) {
        return learningRates[Objects.checkIndex(row, rowCount)];
    }

    public float loss(int row) {
        return losses[Objects.checkIndex(row, rowCount)];
    }

    /** A copy of the sketch of {@code row} ({@code k} floats). */
    public float[] sketch(int row) {
        float[] copy = new float[projection.sketchDim()];
        copySketch(row, copy, 0);
        return copy;
    }

    /** Copies the sketch of {@code row} into {@code dst[offset, offset + k)} without allocating. */
    public void copySketch(int row, float[] dst, int offset) {
        int k = projection.sketchDim();
        System.arraycopy(sketches, Objects.checkIndex(row, rowCount) * k, dst, offset, k);
    }

    /**
     * Writes the columns of {@code rows[from, to)} (row indices, in that order; {@code null}: rows
     * {@code from..to-1}) little-endian into {@code out} at the given offsets, each column's values back to
     * back: the data buffers of an Arrow record batch, for {@link SketchCodec.Encoder}.
     */
    void writeColumns(java.nio.ByteBuffer out, int[] rows, int from, int to, int steps, int checkpoints, int roles,
            int sampleIds, int learningRates, int losses, int sketches) {
        int k = projection.sketchDim();
        java.nio.FloatBuffer sketchOut = out.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).position(sketches).slice()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < to - from; i++) {
            int row = Objects.checkIndex(rows == null ? from + i : rows[from + i], rowCount);
            out.putLong(steps + 8 * i, this.steps[row]);
            out.putInt(checkpoints + 4 * i, this.checkpoints[row]);
            out.put(roles + i, this.roles[row]);
            out.putLong(sampleIds + 8 * i, this.sampleIds[row]);
            out.putFloat(learningRates + 4 * i, this.learningRates[row]);
            out.putFloat(losses + 4 * i, this.losses[row]);
            sketchOut.put(i * k, this.sketches, row * k, k);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        return other instanceof SketchBatch that
                && rowCount == that.rowCount
                && runId.equals(that.runId)
                && projection.equals(that.projection)
                && Arrays.equals(steps, that.steps)
                && Arrays.equals(checkpoints, that.checkpoints)
                && Arrays.equals(roles, that.roles)
                && Arrays.equals(sampleIds, that.sampleIds)
                && Arrays.equals(learningRates, that.learningRates)
                && Arrays.equals(losses, that.losses)
                && Arrays.equals(sketches, that.sketches);
    }

    @Override
    public int hashCode() {
        int hash = Objects.hash(runId, projection, rowCount);
        hash = 31 * hash + Arrays.hashCode(steps);
        hash = 31 * hash + Arrays.hashCode(checkpoints);
        hash = 31 * hash + Arrays.hashCode(roles);
        hash = 31 * hash + Arrays.hashCode(sampleIds);
        hash = 31 * hash + Arrays.hashCode(learningRates);
        hash = 31 * hash + Arrays.hashCode(losses);
        return 31 * hash + Arrays.hashCode(sketches);
    }

    @Override
    public String toString() {
        return "SketchBatch{run=" + runId + ", projection=" + projection + ", rows=" + rowCount + "}";
    }

    static void requireRunId(String runId) {
        if (runId == null || runId.isEmpty()) {
            throw new InvalidRecordException(ReasonCode.NULL_VALUE, "run id must be a non-empty string");
        }
    }

    private static void checkRow(int row, long step, int checkpoint, byte role, float learningRate, float loss) {
        Role decodedRole = Role.fromCode(role);
        if (step < 0) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "row " + row + ": step " + step + " < 0");
        }
        if (checkpoint < -1 || (checkpoint == -1 && decodedRole != Role.TRAIN)) {
            throw new InvalidRecordException(
                    ReasonCode.INVALID_VALUE,
                    "row " + row + ": checkpoint " + checkpoint + " is invalid for a " + decodedRole
                            + " row; expected >= 0 (or -1 for a TRAIN row before the first checkpoint)");
        }
        if (!Float.isFinite(learningRate)) {
            throw new InvalidRecordException(
                    ReasonCode.NON_FINITE, "row " + row + ": learning_rate is " + learningRate);
        }
        if (!Float.isFinite(loss)) {
            throw new InvalidRecordException(ReasonCode.NON_FINITE, "row " + row + ": loss is " + loss);
        }
    }

    private static void checkSketch(int row, float[] values, int offset, int k) {
        for (int i = 0; i < k; i++) {
            if (!Float.isFinite(values[offset + i])) {
                throw new InvalidRecordException(
                        ReasonCode.NON_FINITE, "row " + row + ": sketch[" + i + "] is " + values[offset + i]);
            }
        }
    }

    /** Collects rows of one run, validating each as it is added. Not thread-safe. */
    public static final class Builder {
        private static final int INITIAL_CAPACITY = 16;

        private final String runId;
        private final ProjectionSpec projection;
        private final int k;
        private int rows;
        private long[] steps;
        private int[] checkpoints;
        private byte[] roles;
        private long[] sampleIds;
        private float[] learningRates;
        private float[] losses;
        private float[] sketches;

        private Builder(String runId, ProjectionSpec projection, int capacity) {
            requireRunId(runId);
            this.runId = runId;
            this.projection = Objects.requireNonNull(projection, "projection");
            this.k = projection.sketchDim();
            steps = new long[capacity];
            checkpoints = new int[capacity];
            roles = new byte[capacity];
            sampleIds = new long[capacity];
            learningRates = new float[capacity];
            losses = new float[capacity];
            sketches = new float[Math.multiplyExact(capacity, k)];
        }

        /**
         * Appends one row; {@code sketch} is copied.
         *
         * @throws InvalidRecordException WRONG_DIMENSION when {@code sketch.length != k}, NON_FINITE,
         *     UNKNOWN_ROLE or INVALID_VALUE as the class documents
         */
        public Builder add(long step, int checkpoint, Role role, long sampleId, float learningRate, float loss,
                float[] sketch) {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(sketch, "sketch");
            if (sketch.length != k) {
                throw new InvalidRecordException(
                        ReasonCode.WRONG_DIMENSION,
                        "row " + rows + ": sketch has " + sketch.length + " values, the projection's k is " + k);
            }
            checkRow(rows, step, checkpoint, role.code(), learningRate, loss);
            checkSketch(rows, sketch, 0, k);
            if (rows == steps.length) {
                grow();
            }
            steps[rows] = step;
            checkpoints[rows] = checkpoint;
            roles[rows] = role.code();
            sampleIds[rows] = sampleId;
            learningRates[rows] = learningRate;
            losses[rows] = loss;
            System.arraycopy(sketch, 0, sketches, rows * k, k);
            rows++;
            return this;
        }

        /** The rows added so far. */
        public int rowCount() {
            return rows;
        }

        /**
         * The batch of the rows added so far (the builder may go on adding for another batch).
         *
         * @throws IllegalStateException when no row was added: a record carries at least one row
         */
        public SketchBatch build() {
            if (rows == 0) {
                throw new IllegalStateException("a sketch batch needs at least one row; none was added");
            }
            if (rows == steps.length) {
                // Full: the batch takes the arrays as they are. They are never written again here, since the
                // next add finds no room and grows into new arrays.
                return new SketchBatch(runId, projection, rows, steps, checkpoints, roles, sampleIds, learningRates, losses, sketches);
            }
            return new SketchBatch(runId, projection, rows, Arrays.copyOf(steps, rows),
                    Arrays.copyOf(checkpoints, rows), Arrays.copyOf(roles, rows), Arrays.copyOf(sampleIds, rows),
                    Arrays.copyOf(learningRates, rows), Arrays.copyOf(losses, rows),
                    Arrays.copyOf(sketches, rows * k));
        }

        private void grow() {
            int capacity = Math.multiplyExact(steps.length, 2);
            steps = Arrays.copyOf(steps, capacity);
            checkpoints = Arrays.copyOf(checkpoints, capacity);
            roles = Arrays.copyOf(roles, capacity);
            sampleIds = Arrays.copyOf(sampleIds, capacity);
            learningRates = Arrays.copyOf(learningRates, capacity);
            losses = Arrays.copyOf(losses, capacity);
            sketches = Arrays.copyOf(sketches, Math.multiplyExact(capacity, k));
        }
    }
}
