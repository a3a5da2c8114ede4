package dev.cadc.flink.records;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/** What a sample bucket keeps of one sample: its influence row {@code A(i, .)} and its trajectory parts. */
public class SampleState {
    @TypeInfo(BulkArrays.Doubles.class)
    public double[] influence;
    /** The checkpoints of {@link #parts}, ascending. */
    public int[] partCheckpoints;
    /** The trajectory parts, {@code k} floats per entry of {@link #partCheckpoints}. */
    @TypeInfo(BulkArrays.Floats.class)
    public float[] parts;

    public SampleState() {}
}
