package dev.cadc.flink.records;

/**
 * What a sample bucket receives on its keyed input: a row of the run's influence source or the
 * validator's marker that a checkpoint closed (both from the run's validator, on one channel, in
 * order), or the bucket's copy of a version plan (the clustering of a closed checkpoint, or the run's
 * release, from the clusterer). Exactly one of the three is set; Flink's keyed broadcast function has
 * one keyed input, so all travel on it.
 */
public class BucketInput {
    public SourceRow row;
    public CheckpointClosing closing;
    public VersionPlan plan;

    public BucketInput() {}

    public static BucketInput of(SourceRow row) {
        BucketInput input = new BucketInput();
        input.row = row;
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

    /** The run of the row, the marker or the plan copy. */
    public String runId() {
        return row != null ? row.runId : closing != null ? closing.runId : plan.runId;
    }

    /** The bucket's key: (run, bucket of the row's sample), or the marker's or the plan copy's bucket. */
    public String key() {
        int bucket = row != null ? SampleBuckets.bucketOf(row.sampleId) : closing != null ? closing.bucket : plan.bucket;
        return SampleBuckets.key(runId(), bucket);
    }
}
