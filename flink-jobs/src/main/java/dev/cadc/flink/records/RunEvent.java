package dev.cadc.flink.records;

import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.sketch.ProjectionKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInfo;

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
    /**
     * RUN_START: the run's sketched layers as a run-start gave them (names, and shapes as
     * {@code layerOutDims[i] x layerInDims[i]}), or all three null when no run-start of the run has
     * given them yet. Arrays, not a list of records, so that Flink's POJO serializer handles them
     * without Kryo.
     */
    public String[] layerNames;
    public int[] layerOutDims;
    public int[] layerInDims;

    public int checkpoint;
    public long sampleId;
    public float loss;
    @TypeInfo(BulkArrays.Floats.class)
    public float[] sketch;

    public long sourceRows;
    public boolean shortCheckpoint;
    /**
     * CHECKPOINT_CLOSED and RUN_RELEASED: the event time after which every part of what was decided has
     * reached any operator (the validator's watermark then, or the largest stamp of the decoders that
     * sent the run's accepted rows, whichever is larger).
     */
    public long watermark;

    /** RUN_RELEASED: the run's last checkpoint (-1: none) and whether the TTL released it rather than a run-end. */
    public int lastCheckpoint;
    public boolean expired;

    public RunEvent() {}

    /** The run-start event of {@code start}, with its layers when it gives them. */
    public static RunEvent runStart(String runId, RunStart start) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.kind = Kind.RUN_START;
        event.sketchDim = start.sketchDim();
        event.projectionSeed = start.projectionSeed();
        event.projectionKind = start.projectionKind();
        event.influenceSource = start.influenceSource();
        event.setLayers(start.layers());
        return event;
    }

    /** RUN_START: the run-start this event holds (with the layers given so far). */
    public RunStart toRunStart() {
        return new RunStart(runId, sketchDim, projectionSeed, projectionKind, influenceSource, layers());
    }

    /** Whether a run-start has given the run's layers. */
    public boolean hasLayers() {
        return layerNames != null;
    }

    /** The layers as core records, or null when none were given. */
    public List<RunStart.Layer> layers() {
        if (layerNames == null) {
            return null;
        }
        List<RunStart.Layer> layers = new ArrayList<>(layerNames.length);
        for (int i = 0; i < layerNames.length; i++) {
            layers.add(new RunStart.Layer(layerNames[i], layerOutDims[i], layerInDims[i]));
        }
        return layers;
    }

    /** Keeps {@code layers} (null: none given). */
    public void setLayers(List<RunStart.Layer> layers) {
        if (layers == null) {
            layerNames = null;
            layerOutDims = null;
            layerInDims = null;
            return;
        }
        layerNames = new String[layers.size()];
        layerOutDims = new int[layers.size()];
        layerInDims = new int[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            layerNames[i] = layers.get(i).name();
            layerOutDims[i] = layers.get(i).outDim();
            layerInDims[i] = layers.get(i).inDim();
        }
    }

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
