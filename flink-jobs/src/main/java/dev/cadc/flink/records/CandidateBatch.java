package dev.cadc.flink.records;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One sample bucket's candidates of one capability at version {@code checkpoint}, for that
 * capability's selector: ids (ascending), each candidate's {@code A(i, p)} over the capability's
 * probes (row-major, {@code probeSlots} per candidate), its {@code I(i, c)}, and its trajectory
 * (row-major, {@code trajectoryFloats} per candidate; empty when the duplicate guard is off). Every
 * bucket of the run ({@link SampleBuckets#COUNT}) sends one to every capability at every version,
 * possibly without candidates or samples, so the selector knows it has them all by their count: its
 * {@code sampleCount} and {@code candidateCounts} (the bucket's candidates of every capability of the
 * version, ascending capability id) are how the selector learns the run's pool size for the budget and
 * its own limit ({@code WaterFill.limits}); {@code capabilityIndex} is its place in that order.
 */
public class CandidateBatch {
    public String runId;
    public int checkpoint;
    public int capabilityId;
    /**
     * The validator's watermark when it closed the checkpoint: every bucket that answers the version has
     * sent its batch before its watermark passes it, so a version still incomplete then never completes
     * (its run was released by the TTL meanwhile) and the selector drops it.
     */
    public long watermark;
    public long sampleCount;
    public int capabilityIndex;
    public long[] candidateCounts;
    public int probeSlots;
    public int trajectoryCheckpoints;
    public int trajectoryFloats;
    public long[] ids;
    @TypeInfo(BulkArrays.Doubles.class)
    public double[] influence;
    @TypeInfo(BulkArrays.Doubles.class)
    public double[] attributed;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] trajectories;

    public CandidateBatch() {}

    public String capabilityKey() {
        return SampleBuckets.capabilityKey(runId, capabilityId);
    }
}
