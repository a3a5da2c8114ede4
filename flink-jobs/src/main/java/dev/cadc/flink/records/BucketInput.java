package dev.cadc.flink.records;

/**
 * What a sample bucket receives on its keyed input: a row of the run's influence source, or the
 * bucket's copy of a version plan (the clustering of a closed checkpoint, or the run's release).
 * Exactly one of the two is set; Flink's keyed broadcast function has one keyed input, so both travel
 * on it.
 */
public class BucketInput {
    public SourceRow row;
    public VersionPlan plan;

    public BucketInput() {}

    public static BucketInput of(SourceRow row) {
        BucketInput input = new BucketInput();
        input.row = row;
        return input;
    }

    public static BucketInput of(VersionPlan plan) {
        BucketInput input = new BucketInput();
        input.plan = plan;
        return input;
    }

    /** The bucket's key: (run, bucket of the row's sample) or the plan copy's bucket. */
    public String key() {
        return row != null
                ? SampleBuckets.key(row.runId, SampleBuckets.bucketOf(row.sampleId))
                : SampleBuckets.key(plan.runId, plan.bucket);
    }
}
