package dev.cadc.flink.records;

/**
 * What the validator tells a run's capability clusterer, in the order of the run's partition: the
 * run's start, each PROBE row, and each checkpoint it closed (in checkpoint order), with the number of
 * influence-source rows it forwarded for that checkpoint.
 */
public class RunEvent {
    public static final byte RUN_START = 0;
    public static final byte PROBE_ROW = 1;
    public static final byte CHECKPOINT_CLOSED = 2;

    public String runId;
    public byte kind;

    public int sketchDim;
    public long projectionSeed;
    public String projectionKind;
    public String influenceSource;

    public int checkpoint;
    public long sampleId;
    public float loss;
    public float[] sketch;

    public long sourceRows;
    public boolean shortCheckpoint;

    public RunEvent() {}

    public static RunEvent probeRow(String runId, int checkpoint, long sampleId, float loss, float[] sketch) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.kind = PROBE_ROW;
        event.checkpoint = checkpoint;
        event.sampleId = sampleId;
        event.loss = loss;
        event.sketch = sketch;
        return event;
    }

    public static RunEvent closed(String runId, int checkpoint, long sourceRows, boolean shortCheckpoint) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.kind = CHECKPOINT_CLOSED;
        event.checkpoint = checkpoint;
        event.sourceRows = sourceRows;
        event.shortCheckpoint = shortCheckpoint;
        return event;
    }
}
