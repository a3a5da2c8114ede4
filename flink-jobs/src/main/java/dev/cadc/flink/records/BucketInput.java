package dev.cadc.flink.records;

/**
 * What a sample bucket receives on its keyed input: a parcel of rows straight from the decoder
 * ({@link RowParcel}); from the run's validator, its verdict on a parcelled record
 * ({@link RecordVerdict}) or its marker that a checkpoint closed (both on one channel, in order); or
 * the bucket's copy of a version plan (the clustering of a closed checkpoint, or the run's release,
 * from the clusterer). Exactly one is set; Flink's keyed broadcast function has one keyed input, so
 * all travel on it.
 */
public class BucketInput {
    public RowParcel parcel;
    public RecordVerdict verdict;
    public CheckpointClosing closing;
    public VersionPlan plan;

    public BucketInput() {}

    public static BucketInput of(RowParcel parcel) {
        BucketInput input = new BucketInput();
        input.parcel = parcel;
        return input;
    }

    public static BucketInput of(RecordVerdict verdict) {
        BucketInput input = new BucketInput();
        input.verdict = verdict;
        return input;
    }

    public static BucketInput of(CheckpointClosing closing) {
        BucketInput input = new BucketInput();
        input.closing = closing;
        return input;
    }

    public static BucketInput of(VersionPlan plan) {
        BucketInput input = new BucketInput();
        input.plan = plan;
        return input;
    }

    /** The run of the parcel, verdict, marker or plan copy. */
    public String runId() {
        return parcel != null ? parcel.runId : verdict != null ? verdict.runId : closing != null ? closing.runId : plan.runId;
    }

    /** The bucket's key: (run, the bucket the input names). */
    public String key() {
        int bucket = parcel != null ? parcel.bucket : verdict != null ? verdict.bucket : closing != null ? closing.bucket : plan.bucket;
        return SampleBuckets.key(runId(), bucket);
    }
}
