package dev.cadc.flink.records;

/**
 * One influence-source row scored against the probes of its checkpoint, on its way from an
 * influence accumulator to the run's curriculum builder: the row (for the fold order and the
 * trajectory) and its terms {@code eta <u(x), u(v_p)>} for every probe.
 */
public class Contribution {
    public String runId;
    public long sampleId;
    public int checkpoint;
    public long step;
    public float learningRate;
    public float[] sketch;
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
