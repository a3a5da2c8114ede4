package dev.cadc.flink.records;

/**
 * A run's samples are spread over a fixed number of buckets; the per-sample influence state is keyed
 * by (run, bucket), so one key holds the samples of one bucket (a map entry per sample) and a version
 * can be folded for all of them at once from one timer. The count is fixed (savepoints key state by
 * bucket): 256 buckets spread a run evenly over up to {@code maxParallelism} (128) subtasks.
 */
public final class SampleBuckets {

    /** Buckets per run. Changing it breaks savepoint compatibility. */
    public static final int COUNT = 256;

    private SampleBuckets() {}

    public static int bucketOf(long sampleId) {
        return (int) Math.floorMod(sampleId, (long) COUNT);
    }

    /** The key of a run's bucket. */
    public static String key(String runId, int bucket) {
        return runId + '\u0000' + bucket;
    }

    /** The key of a run's capability selector. */
    public static String capabilityKey(String runId, int capabilityId) {
        return runId + "\u0000c" + capabilityId;
    }
}
