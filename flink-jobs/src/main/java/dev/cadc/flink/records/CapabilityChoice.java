package dev.cadc.flink.records;

/**
 * A capability selector's answer at version {@code checkpoint}: the capability's picks in order (at
 * most the budget), each with its {@code I(i, c)}; whether it ran out of candidates; and the
 * near-duplicates it skipped, each with the number of picks made before it (so the assembler can
 * count those met before the capability's last pick once it knows how many picks it takes).
 */
public class CapabilityChoice {
    public String runId;
    public int checkpoint;
    public int capabilityId;
    public long[] picks;
    public double[] influence;
    public boolean exhausted;
    public long[] duplicates;
    public int[] duplicateDepths;

    public CapabilityChoice() {}
}
