package dev.cadc.flink.records;

import dev.cadc.core.format.Role;

/**
 * The run's validator's judgement of one sketch batch whose rows went straight to their buckets
 * ({@link RowParcel}), sent to each of those buckets: accepted, with the run's influence source, or
 * refused (its rows are dropped; the validator writes the dead letter). It travels on the validator's output to the buckets, before any
 * closing marker of a checkpoint the record has influence-source rows of (those are all of open
 * checkpoints when the record is accepted), so a bucket that has a checkpoint's marker knows every
 * accepted record it must still hear from.
 */
public class RecordVerdict {
    public String runId;
    public int bucket;
    /** {@link RowParcel#keyOf} of the record. */
    public String recordKey;
    /** Accepted: the run's influence source (only its rows count). Null when refused. */
    public Role sourceRole;
    /**
     * Accepted: the lowest checkpoint among the record's rows of the influence source (those are of open
     * checkpoints); no fold from it on may run without the record's parcel. {@code Integer.MAX_VALUE}
     * when it has none (a POOL run's TRAIN rows, which may come after their checkpoint closed).
     */
    public int firstCheckpoint;
    public RecordVerdict() {}

    public static RecordVerdict accepted(String runId, int bucket, String recordKey, Role sourceRole, int firstCheckpoint) {
        RecordVerdict verdict = new RecordVerdict();
        verdict.runId = runId;
        verdict.bucket = bucket;
        verdict.recordKey = recordKey;
        verdict.sourceRole = sourceRole;
        verdict.firstCheckpoint = firstCheckpoint;
        return verdict;
    }

    public static RecordVerdict refused(String runId, int bucket, String recordKey) {
        RecordVerdict verdict = new RecordVerdict();
        verdict.runId = runId;
        verdict.bucket = bucket;
        verdict.recordKey = recordKey;
        return verdict;
    }

    public boolean isAccepted() {
        return sourceRole != null;
    }
}
