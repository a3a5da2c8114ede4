package dev.cadc.flink.records;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/** A row of a run's influence source (POOL or TRAIN), on its way to its sample bucket ({@code SampleInfluence}). */
public class SourceRow {
    public String runId;
    public long sampleId;
    public int checkpoint;
    public long step;
    public float learningRate;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] sketch;

    public SourceRow() {}

    public SourceRow(String runId, long sampleId, int checkpoint, long step, float learningRate, float[] sketch) {
        this.runId = runId;
        this.sampleId = sampleId;
        this.checkpoint = checkpoint;
        this.step = step;
        this.learningRate = learningRate;
        this.sketch = sketch;
    }
}
