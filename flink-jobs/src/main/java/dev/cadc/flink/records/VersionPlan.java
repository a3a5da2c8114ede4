package dev.cadc.flink.records;

/**
 * What the clusterer tells a run's curriculum builder, in order: for each closed checkpoint j, the
 * plan of version j (the clustering after j, the capabilities' difficulty, and how many
 * influence-source rows the validator forwarded for j, i.e. how many {@link Contribution}s to wait
 * for); and finally the run's release.
 */
public class VersionPlan {

    /** What the plan says. */
    public enum Kind {
        /** Version {@code checkpoint} can be built once its contributions are in. */
        CLUSTERING,
        /** The run is released: after version {@code checkpoint} (its run-end), or at once when {@code expired}. */
        RELEASE
    }

    public String runId;
    public Kind kind;
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

    public VersionPlan() {}
}
