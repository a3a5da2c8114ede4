package dev.cadc.flink.records;

/**
 * The validator's word to one sample bucket that checkpoint {@code checkpoint} of run {@code runId} is
 * closed. It travels on the same output as the run's rows, after every row of the checkpoint, and the
 * validator of a run is one subtask: so the rows of the bucket and this marker share one channel, in
 * order, and a bucket that has the marker has every row of the checkpoint that will ever reach it.
 */
public class CheckpointClosing {
    public String runId;
    public int checkpoint;
    public int bucket;

    public CheckpointClosing() {}

    public CheckpointClosing(String runId, int checkpoint, int bucket) {
        this.runId = runId;
        this.checkpoint = checkpoint;
        this.bucket = bucket;
    }
}
