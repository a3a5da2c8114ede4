package dev.cadc.flink.records;

import dev.cadc.core.format.Role;
import java.util.ArrayList;
import java.util.List;

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
    /** The rows, in the batch's order. */
    public SketchColumns rows;

    public RowParcel() {}

    /** Rows {@code rows} of {@code batch}, all of bucket {@code bucket}. */
    public static RowParcel of(SketchColumns batch, int[] rows, int bucket, String recordKey) {
        RowParcel parcel = new RowParcel();
        parcel.runId = batch.runId;
        parcel.bucket = bucket;
        parcel.recordKey = recordKey;
        parcel.rows = batch.select(rows);
        return parcel;
    }

    /** The identity of a record of {@code cadc.sketches} (one topic): its partition and offset. */
    public static String keyOf(KafkaRecord record) {
        return record.partition + "@" + record.offset;
    }

    /** The parcel's rows of role {@code role} (every row: null), as they wait for their fold. */
    public List<Contribution> rows(Role role) {
        List<Contribution> waiting = new ArrayList<>(rows.rowCount());
        for (int i = 0; i < rows.rowCount(); i++) {
            if (role == null || rows.roles[i] == role.code()) {
                Contribution row = new Contribution(runId, rows.sampleIds[i], rows.checkpoints[i], rows.steps[i],
                        rows.learningRates[i], rows.sketch(i));
                row.recordKey = recordKey;
                row.role = rows.roles[i];
                waiting.add(row);
            }
        }
        return waiting;
    }
}
