package dev.cadc.flink.records;

/**
 * What a run's curriculum builder receives: the clustering after a closed checkpoint or the run's
 * release (from the clusterer), or one row's influence contribution (from an accumulator). The two paths are not
 * ordered with respect to each other; the builder waits until a checkpoint's clustering and all of
 * its contributions are there.
 */
public class BuilderEvent {
    public static final byte CLUSTERING = 0;
    public static final byte CONTRIBUTION = 1;
    /** The run is released: after version {@code checkpoint} (its run-end), or at once when {@code expired}. */
    public static final byte RELEASE = 2;

    public String runId;
    public byte kind;
    public int checkpoint;

    // CLUSTERING
    public long[] probeIds;
    public int[] assignment;
    public double[] difficulty;
    public long sourceRows;
    public boolean shortCheckpoint;
    public int sketchDim;
    public int nextCapabilityId;
    public boolean trainSource;

    // RELEASE (checkpoint = the run's last checkpoint)
    public boolean expired;
    public long watermark;

    // CONTRIBUTION
    public long sampleId;
    public long step;
    public float learningRate;
    public float[] sketch;
    public double[] terms;

    public BuilderEvent() {}

    public static BuilderEvent contribution(String runId, long sampleId, int checkpoint, long step, float learningRate,
            float[] sketch, double[] terms) {
        BuilderEvent event = new BuilderEvent();
        event.runId = runId;
        event.kind = CONTRIBUTION;
        event.sampleId = sampleId;
        event.checkpoint = checkpoint;
        event.step = step;
        event.learningRate = learningRate;
        event.sketch = sketch;
        event.terms = terms;
        return event;
    }
}
