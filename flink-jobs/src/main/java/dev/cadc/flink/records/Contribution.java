package dev.cadc.flink.records;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/** One influence-source row waiting in its sample bucket for its checkpoint's fold ({@code terms} unused). */
public class Contribution {
    public String runId;
    public long sampleId;
    public int checkpoint;
    public long step;
    public float learningRate;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] sketch;
    @TypeInfo(BulkArrays.Doubles.class)
    public double[] terms;

    public Contribution() {}

    public Contribution(String runId, long sampleId, int checkpoint, long step, float learningRate, float[] sketch, double[] terms) {
        this.runId = runId;
        this.sampleId = sampleId;
        this.checkpoint = checkpoint;
        this.step = step;
        this.learningRate = learningRate;
        this.sketch = sketch;
        this.terms = terms;
    }
}
