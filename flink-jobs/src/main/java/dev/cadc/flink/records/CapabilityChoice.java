package dev.cadc.flink.records;

/**
 * A capability selector's answer at version {@code checkpoint}: the capability's picks in order, up to
 * its limit ({@code WaterFill.limits}), each with its {@code I(i, c)}; whether it ran out of candidates
 * before the limit; and the near-duplicates it skipped.
 */
public class CapabilityChoice {
    public String runId;
    public int checkpoint;
    public int capabilityId;
    public long[] picks;
    public double[] influence;
    public boolean exhausted;
    public long[] duplicates;

    public CapabilityChoice() {}
}
