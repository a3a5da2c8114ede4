package dev.cadc.flink.records;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A capability selector's answer at version {@code checkpoint}: the capability's pick order up to twice
 * its limit ({@code WaterFill.reach}), each pick with its {@code I(i, c)}; whether it ran out of
 * candidates before that; and the near-duplicates it skipped, each with the number of picks made before
 * it (so the assembler counts those met before the capability's last given pick).
 */
public class CapabilityChoice {
    public String runId;
    public int checkpoint;
    public int capabilityId;
    public long[] picks;
    @TypeInfo(BulkArrays.Doubles.class)
    public double[] influence;
    public boolean exhausted;
    public long[] duplicates;
    public int[] duplicateDepths;

    public CapabilityChoice() {}
}
