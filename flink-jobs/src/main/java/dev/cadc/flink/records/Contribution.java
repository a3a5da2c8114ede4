package dev.cadc.flink.records;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One row waiting in its sample bucket for its checkpoint's fold. A row that came
 * before its record's verdict waits here too, marked by its record ({@link #recordKey}); it counts only
 * once the record is accepted, and only if its {@link #role} is the run's influence source.
 */
public class Contribution {
    public String runId;
    public long sampleId;
    public int checkpoint;
    public long step;
    public float learningRate;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] sketch;
    /** The record the row came in ({@code RowParcel#keyOf}); null in tests that build rows directly. */
    public String recordKey;
    /** The row's role code (POOL or TRAIN). */
    public byte role;

    public Contribution() {}

    public Contribution(String runId, long sampleId, int checkpoint, long step, float learningRate, float[] sketch) {
        this.runId = runId;
        this.sampleId = sampleId;
        this.checkpoint = checkpoint;
        this.step = step;
        this.learningRate = learningRate;
        this.sketch = sketch;
    }
}
