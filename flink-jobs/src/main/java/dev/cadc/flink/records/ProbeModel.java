package dev.cadc.flink.records;

/**
 * The model the influence accumulators need for one checkpoint of a run: the probes' unit sketches
 * at that checkpoint (row-major {@code probeIds.length x sketchDim}, zero rows for probes without a
 * sketch there), broadcast once the checkpoint is closed.
 */
public class ProbeModel {
    public String runId;
    public int checkpoint;
    public int sketchDim;
    public long[] probeIds;
    public float[] unitSketches;

    public ProbeModel() {}

    public ProbeModel(String runId, int checkpoint, int sketchDim, long[] probeIds, float[] unitSketches) {
        this.runId = runId;
        this.checkpoint = checkpoint;
        this.sketchDim = sketchDim;
        this.probeIds = probeIds;
        this.unitSketches = unitSketches;
    }

    /** The broadcast-state key of this model. */
    public String modelKey() {
        return modelKey(runId, checkpoint);
    }

    public static String modelKey(String runId, int checkpoint) {
        return runId + '\u0000' + checkpoint;
    }
}
