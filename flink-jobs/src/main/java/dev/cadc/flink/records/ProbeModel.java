package dev.cadc.flink.records;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The model the sample buckets ({@code SampleInfluence}) need for one checkpoint of a run: the probes' unit sketches
 * at that checkpoint (row-major {@code probeIds.length x sketchDim}, zero rows for probes without a
 * sketch there), broadcast once the checkpoint is closed; or, with {@code released}, the notice that
 * a run was released by its TTL (its waiting rows are dropped).
 *
 * <p>{@code freeAfterWatermark} is the closing's (or the release's) watermark: the larger of the
 * validator's then and the stamp of the decoders that sent the run's accepted rows. Every marker and
 * verdict of the checkpoint came before the validator's, and every accepted row before the decoder's
 * stamp, each on a channel that carries the sender's later watermarks; so once a bucket operator's
 * watermark is past it no row of the checkpoint can still come and the model is dropped from
 * broadcast state.
 */
public class ProbeModel {
    public String runId;
    public int checkpoint;
    public int sketchDim;
    public long[] probeIds;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] unitSketches;
    public long freeAfterWatermark;
    public boolean released;

    public ProbeModel() {}

    public ProbeModel(String runId, int checkpoint, int sketchDim, long[] probeIds, float[] unitSketches) {
        this.runId = runId;
        this.checkpoint = checkpoint;
        this.sketchDim = sketchDim;
        this.probeIds = probeIds;
        this.unitSketches = unitSketches;
    }

    /** A notice that run {@code runId} was released by its TTL at the validator's {@code watermark}. */
    public static ProbeModel releaseOf(String runId, long watermark) {
        ProbeModel notice = new ProbeModel(runId, -1, 0, new long[0], new float[0]);
        notice.released = true;
        notice.freeAfterWatermark = watermark;
        return notice;
    }

    /** The broadcast-state key of this model. */
    public String modelKey() {
        return released ? releaseKey(runId) : modelKey(runId, checkpoint);
    }

    /** The broadcast-state key of a run's release notice. */
    public static String releaseKey(String runId) {
        return runId + "\u0000released";
    }

    public static String modelKey(String runId, int checkpoint) {
        return runId + '\u0000' + checkpoint;
    }
}
