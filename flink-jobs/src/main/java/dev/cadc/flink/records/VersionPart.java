package dev.cadc.flink.records;

/**
 * What a run's assembler collects for a version besides its plan: a bucket's summary or a
 * capability's choice (exactly one is set; both travel on the assembler's second input).
 */
public class VersionPart {
    public String runId;
    public BucketSummary bucket;
    public CapabilityChoice choice;

    public VersionPart() {}

    public static VersionPart of(BucketSummary bucket) {
        VersionPart part = new VersionPart();
        part.runId = bucket.runId;
        part.bucket = bucket;
        return part;
    }

    public static VersionPart of(CapabilityChoice choice) {
        VersionPart part = new VersionPart();
        part.runId = choice.runId;
        part.choice = choice;
        return part;
    }

    public int checkpoint() {
        return bucket != null ? bucket.checkpoint : choice.checkpoint;
    }
}
