package dev.cadc.flink.records;

import dev.cadc.core.capability.Clustering;
import dev.cadc.core.format.InfluenceSource;
import java.util.Arrays;

/**
 * What the clusterer tells a run's sample buckets (one copy each, {@code bucket} set) and its
 * assembler, in order: for each closed checkpoint j, the plan of version j (the clustering after j,
 * the capabilities' difficulty, the run's influence-source checkpoints so far, and the closing's
 * watermark: once an operator's watermark is past it, every row and every part of version j has
 * reached it); and finally the run's release.
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
    /** Checkpoints 0..j that have influence-source rows, ascending: the slots of a trajectory. */
    public int[] sourceCheckpoints;
    public boolean shortCheckpoint;
    public int sketchDim;
    public int nextCapabilityId;
    public boolean trainSource;

    /**
     * The closing's (CLUSTERING) or the release's (RELEASE) watermark: the validator's then, or the
     * largest stamp of the decoders that sent the run's accepted rows, whichever is larger.
     */
    public long watermark;
    /** The sample bucket a copy is for. */
    public int bucket;

    // RELEASE (checkpoint = the run's last checkpoint)
    public boolean expired;

    public VersionPlan() {}

    /**
     * The plan of version {@code closed.checkpoint} of run {@code runId} (started as {@code run}): the clustering after it
     * ({@code current}, with the next free capability id), the capabilities' {@code difficulty}, and the
     * run's influence-source checkpoints through it ({@code previous}'s, plus this one if it had rows).
     */
    public static VersionPlan clustering(String runId, RunEvent.Start run, RunEvent.Closed closed, VersionPlan previous,
            Clustering current, int nextCapabilityId, double[] difficulty) {
        VersionPlan plan = new VersionPlan();
        plan.runId = runId;
        plan.kind = Kind.CLUSTERING;
        plan.checkpoint = closed.checkpoint;
        plan.probeIds = current.probeIds();
        plan.assignment = current.assignment();
        plan.difficulty = difficulty;
        plan.sourceRows = closed.sourceRows;
        int[] sources = previous == null || previous.sourceCheckpoints == null ? new int[0] : previous.sourceCheckpoints;
        if (closed.sourceRows > 0) {
            sources = Arrays.copyOf(sources, sources.length + 1);
            sources[sources.length - 1] = closed.checkpoint;
        }
        plan.sourceCheckpoints = sources;
        plan.watermark = closed.watermark;
        plan.shortCheckpoint = closed.shortCheckpoint;
        plan.sketchDim = run.sketchDim;
        plan.nextCapabilityId = nextCapabilityId;
        plan.trainSource = run.influenceSource == InfluenceSource.TRAIN;
        return plan;
    }

    /** The release of a run ({@code released}: its run-end's last checkpoint, or its TTL expired). */
    public static VersionPlan release(String runId, RunEvent.Released released) {
        VersionPlan plan = new VersionPlan();
        plan.runId = runId;
        plan.kind = Kind.RELEASE;
        plan.checkpoint = released.lastCheckpoint;
        plan.expired = released.expired;
        plan.watermark = released.watermark;
        return plan;
    }

    /** A copy of this plan for sample bucket {@code bucket}. */
    public VersionPlan forBucket(int bucket) {
        VersionPlan copy = new VersionPlan();
        copy.runId = runId;
        copy.kind = kind;
        copy.checkpoint = checkpoint;
        copy.probeIds = probeIds;
        copy.assignment = assignment;
        copy.difficulty = difficulty;
        copy.sourceRows = sourceRows;
        copy.sourceCheckpoints = sourceCheckpoints;
        copy.shortCheckpoint = shortCheckpoint;
        copy.sketchDim = sketchDim;
        copy.nextCapabilityId = nextCapabilityId;
        copy.trainSource = trainSource;
        copy.watermark = watermark;
        copy.bucket = bucket;
        copy.expired = expired;
        return copy;
    }

    /**
     * The event time at which an operator whose watermark reached it has every part of this version
     * that will ever come (versions are built by count before that; the assembler uses it to end a TTL
     * release's tombstone).
     */
    public long readyAt() {
        return readyAt(watermark);
    }

    /** The event time just past a closing's {@code watermark} (the end of input stays the end of input). */
    public static long readyAt(long watermark) {
        return watermark == Long.MAX_VALUE ? Long.MAX_VALUE : watermark + 1;
    }
}
