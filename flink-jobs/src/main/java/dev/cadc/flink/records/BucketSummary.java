package dev.cadc.flink.records;

/**
 * What a sample bucket tells the run's assembler at version {@code checkpoint}: how many samples it
 * holds, how many are attributed to each capability (ascending capability id; harmful ones excluded)
 * and the ids of its harmful samples (ascending).
 */
public class BucketSummary {
    public String runId;
    public int checkpoint;
    public long sampleCount;
    public long[] attributed;
    public long[] harmful;

    public BucketSummary() {}
}
