package dev.cadc.flink.records;

import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.sketch.ProjectionKind;

/**
 * What the validator tells a run's capability clusterer, in the order it decided them: the run's
 * start, each PROBE row, each checkpoint it closed (in checkpoint order) with the number of
 * influence-source rows it forwarded for that checkpoint and its watermark then, and finally the
 * run's release (after its run-end record's last checkpoint closed, or after the run TTL).
 */
public class RunEvent {
    /** What the event says. */
    public enum Kind {
        RUN_START,
        PROBE_ROW,
        CHECKPOINT_CLOSED,
        RUN_RELEASED
    }

    public String runId;
    public Kind kind;

    public int sketchDim;
    public long projectionSeed;
    public ProjectionKind projectionKind;
    public InfluenceSource influenceSource;

    public int checkpoint;
    public long sampleId;
    public float loss;
    public float[] sketch;

    public long sourceRows;
    public boolean shortCheckpoint;
    /** CHECKPOINT_CLOSED and RUN_RELEASED: the validator's event-time watermark when it decided. */
    public long watermark;

    /** RUN_RELEASED: the run's last checkpoint (-1: none) and whether the TTL released it rather than a run-end. */
    public int lastCheckpoint;
    public boolean expired;

    public RunEvent() {}

    public static RunEvent probeRow(String runId, int checkpoint, long sampleId, float loss, float[] sketch) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.kind = Kind.PROBE_ROW;
        event.checkpoint = checkpoint;
        event.sampleId = sampleId;
        event.loss = loss;
        event.sketch = sketch;
        return event;
    }

    public static RunEvent closed(String runId, int checkpoint, long sourceRows, boolean shortCheckpoint, long watermark) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.kind = Kind.CHECKPOINT_CLOSED;
        event.checkpoint = checkpoint;
        event.sourceRows = sourceRows;
        event.shortCheckpoint = shortCheckpoint;
        event.watermark = watermark;
        return event;
    }

    public static RunEvent released(String runId, int lastCheckpoint, boolean expired, long watermark) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.kind = Kind.RUN_RELEASED;
        event.lastCheckpoint = lastCheckpoint;
        event.expired = expired;
        event.watermark = watermark;
        return event;
    }
}
