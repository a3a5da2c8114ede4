package dev.cadc.flink.records;

import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A decoded, valid sketch batch, or some of its rows, on its way from the parallel {@code RecordDecoder}
 * to its run's validator or to a sample bucket: the batch's columns as public arrays, so that Flink's
 * POJO serializer copies them as primitive arrays (no Kryo, no re-validation on the other side).
 */
public class SketchColumns {
    public String runId;
    public int sketchDim;
    public long projectionSeed;
    public ProjectionKind projectionKind;
    public long[] steps;
    public int[] checkpoints;
    public byte[] roles;
    public long[] sampleIds;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] learningRates;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] losses;
    /** Row-major: row {@code r} occupies {@code [r * sketchDim, (r + 1) * sketchDim)}. */
    @TypeInfo(BulkArrays.Floats.class)
    public float[] sketches;

    public SketchColumns() {}

    /** The columns of {@code batch} (copied out of it). */
    public static SketchColumns of(SketchBatch batch) {
        int rows = batch.rowCount();
        int k = batch.projection().sketchDim();
        SketchColumns columns = new SketchColumns();
        columns.runId = batch.runId();
        columns.sketchDim = k;
        columns.projectionSeed = batch.projection().seed();
        columns.projectionKind = batch.projection().kind();
        columns.steps = new long[rows];
        columns.checkpoints = new int[rows];
        columns.roles = new byte[rows];
        columns.sampleIds = new long[rows];
        columns.learningRates = new float[rows];
        columns.losses = new float[rows];
        columns.sketches = new float[rows * k];
        for (int row = 0; row < rows; row++) {
            columns.steps[row] = batch.step(row);
            columns.checkpoints[row] = batch.checkpoint(row);
            columns.roles[row] = batch.role(row).code();
            columns.sampleIds[row] = batch.sampleId(row);
            columns.learningRates[row] = batch.learningRate(row);
            columns.losses[row] = batch.loss(row);
            batch.copySketch(row, columns.sketches, row * k);
        }
        return columns;
    }

    /** Rows {@code rows} of this batch, in that order. */
    public SketchColumns select(int[] rows) {
        int k = sketchDim;
        SketchColumns columns = new SketchColumns();
        columns.runId = runId;
        columns.sketchDim = k;
        columns.projectionSeed = projectionSeed;
        columns.projectionKind = projectionKind;
        columns.steps = new long[rows.length];
        columns.checkpoints = new int[rows.length];
        columns.roles = new byte[rows.length];
        columns.sampleIds = new long[rows.length];
        columns.learningRates = new float[rows.length];
        columns.losses = new float[rows.length];
        columns.sketches = new float[rows.length * k];
        for (int i = 0; i < rows.length; i++) {
            int row = rows[i];
            columns.steps[i] = steps[row];
            columns.checkpoints[i] = checkpoints[row];
            columns.roles[i] = roles[row];
            columns.sampleIds[i] = sampleIds[row];
            columns.learningRates[i] = learningRates[row];
            columns.losses[i] = losses[row];
            System.arraycopy(sketches, row * k, columns.sketches, i * k, k);
        }
        return columns;
    }

    public ProjectionSpec projection() {
        return new ProjectionSpec(sketchDim, projectionSeed, projectionKind);
    }

    public int rowCount() {
        return steps.length;
    }

    public Role role(int row) {
        return Role.fromCode(roles[row]);
    }

    /** A copy of row {@code row}'s sketch. */
    public float[] sketch(int row) {
        float[] sketch = new float[sketchDim];
        System.arraycopy(sketches, row * sketchDim, sketch, 0, sketchDim);
        return sketch;
    }
}
