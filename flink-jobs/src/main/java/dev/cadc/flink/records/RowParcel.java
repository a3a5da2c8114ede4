package dev.cadc.flink.records;

import dev.cadc.core.format.Role;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The rows of one sketch batch that fall in one sample bucket and may be influence-source rows (POOL
 * or TRAIN, checkpoint >= 0), sent by the parallel {@code RecordDecoder} straight to the bucket, past
 * the run's validator: their sketches never cross the validator's subtask. They wait in the bucket until
 * the validator's {@link RecordVerdict} on their record comes (it may come first); the rows count only
 * if the record is accepted, and only those of the run's influence source.
 */
public class RowParcel {
    public String runId;
    public int bucket;
    /** The record's identity on {@code cadc.sketches}: {@link #keyOf}. */
    public String recordKey;
    public int sketchDim;
    public long[] sampleIds;
    public int[] checkpoints;
    public long[] steps;
    public byte[] roles;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] learningRates;
    /** Row-major: row {@code r} occupies {@code [r * sketchDim, (r + 1) * sketchDim)}. */
    @TypeInfo(BulkArrays.Floats.class)
    public float[] sketches;

    public RowParcel() {}

    /** Rows {@code rows} of {@code batch}, all of bucket {@code bucket}. */
    public static RowParcel of(SketchColumns batch, int[] rows, int bucket, String recordKey) {
        int k = batch.sketchDim;
        RowParcel parcel = new RowParcel();
        parcel.runId = batch.runId;
        parcel.bucket = bucket;
        parcel.recordKey = recordKey;
        parcel.sketchDim = k;
        parcel.sampleIds = new long[rows.length];
        parcel.checkpoints = new int[rows.length];
        parcel.steps = new long[rows.length];
        parcel.roles = new byte[rows.length];
        parcel.learningRates = new float[rows.length];
        parcel.sketches = new float[rows.length * k];
        for (int i = 0; i < rows.length; i++) {
            int row = rows[i];
            parcel.sampleIds[i] = batch.sampleIds[row];
            parcel.checkpoints[i] = batch.checkpoints[row];
            parcel.steps[i] = batch.steps[row];
            parcel.roles[i] = batch.roles[row];
            parcel.learningRates[i] = batch.learningRates[row];
            System.arraycopy(batch.sketches, row * k, parcel.sketches, i * k, k);
        }
        return parcel;
    }

    /** The identity of a record of {@code cadc.sketches} (one topic): its partition and offset. */
    public static String keyOf(KafkaRecord record) {
        return record.partition + "@" + record.offset;
    }

    /** The parcel's rows of role {@code role} (every row: null), as they wait for their fold. */
    public List<Contribution> rows(Role role) {
        List<Contribution> rows = new ArrayList<>(sampleIds.length);
        for (int i = 0; i < sampleIds.length; i++) {
            if (role == null || roles[i] == role.code()) {
                float[] sketch = new float[sketchDim];
                System.arraycopy(sketches, i * sketchDim, sketch, 0, sketchDim);
                Contribution row = new Contribution(runId, sampleIds[i], checkpoints[i], steps[i], learningRates[i], sketch, null);
                row.recordKey = recordKey;
                row.role = roles[i];
                rows.add(row);
            }
        }
        return rows;
    }
}
