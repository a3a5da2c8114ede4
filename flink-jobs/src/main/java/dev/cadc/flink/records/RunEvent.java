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
 * influence-source rows it counted for that checkpoint and its watermark then, and finally the run's
 * release (after its run-end record's last checkpoint closed, or after the run TTL). Exactly one of
 * the four typed parts is set ({@link #kind()} says which); they travel as one type because the
 * validator has one output to the clusterer.
 */
public class RunEvent {
    /** Which part an event holds. */
    public enum Kind {
        RUN_START,
        PROBE_ROW,
        CHECKPOINT_CLOSED,
        RUN_RELEASED
    }

    public String runId;
    public Start start;
    public ProbeRow probe;
    public Closed closed;
    public Released released;

    public RunEvent() {}

    /** The run-start the validator accepted (the first, with the layers given so far). */
    public static class Start {
        public int sketchDim;
        public long projectionSeed;
        public ProjectionKind projectionKind;
        public InfluenceSource influenceSource;
        /**
         * The run's sketched layers as a run-start gave them (names, and shapes as
         * {@code layerOutDims[i] x layerInDims[i]}), or all three null when no run-start of the run has
         * given them yet. Arrays, not a list of records, so that Flink's POJO serializer handles them
         * without Kryo.
         */
        public String[] layerNames;
        public int[] layerOutDims;
        public int[] layerInDims;

        public Start() {}
    }

    /** A PROBE row: its checkpoint, sample id, loss and sketch. */
    public static class ProbeRow {
        public int checkpoint;
        public long sampleId;
        public float loss;
        @TypeInfo(BulkArrays.Floats.class)
        public float[] sketch;

        public ProbeRow() {}
    }

    /**
     * A closed checkpoint: the influence-source rows it counted, whether it closed short, and the event
     * time after which every part of it has reached any operator (the validator's watermark then, or the
     * largest stamp of the decoders that sent the run's accepted rows, whichever is larger).
     */
    public static class Closed {
        public int checkpoint;
        public long sourceRows;
        public boolean shortCheckpoint;
        public long watermark;

        public Closed() {}
    }

    /** The run's release: its last checkpoint (-1: none), whether the TTL released it rather than a run-end, and the watermark as in {@link Closed}. */
    public static class Released {
        public int lastCheckpoint;
        public boolean expired;
        public long watermark;

        public Released() {}
    }

    /** Which part this event holds. */
    public Kind kind() {
        if (start != null) {
            return Kind.RUN_START;
        }
        if (probe != null) {
            return Kind.PROBE_ROW;
        }
        if (closed != null) {
            return Kind.CHECKPOINT_CLOSED;
        }
        if (released != null) {
            return Kind.RUN_RELEASED;
        }
        throw new IllegalStateException("a run event of run " + runId + " holds nothing");
    }

    /** The run-start event of {@code start}, with its layers when it gives them. */
    public static RunEvent runStart(String runId, RunStart start) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.start = new Start();
        event.start.sketchDim = start.sketchDim();
        event.start.projectionSeed = start.projectionSeed();
        event.start.projectionKind = start.projectionKind();
        event.start.influenceSource = start.influenceSource();
        event.setLayers(start.layers());
        return event;
    }

    /** RUN_START: the run-start this event holds (with the layers given so far). */
    public RunStart toRunStart() {
        return new RunStart(runId, start.sketchDim, start.projectionSeed, start.projectionKind, start.influenceSource, layers());
    }

    /** Whether a run-start has given the run's layers. */
    public boolean hasLayers() {
        return start.layerNames != null;
    }

    /** The layers as core records, or null when none were given. */
    public List<RunStart.Layer> layers() {
        if (start.layerNames == null) {
            return null;
        }
        List<RunStart.Layer> layers = new ArrayList<>(start.layerNames.length);
        for (int i = 0; i < start.layerNames.length; i++) {
            layers.add(new RunStart.Layer(start.layerNames[i], start.layerOutDims[i], start.layerInDims[i]));
        }
        return layers;
    }

    /** Keeps {@code layers} (null: none given). */
    public void setLayers(List<RunStart.Layer> layers) {
        if (layers == null) {
            start.layerNames = null;
            start.layerOutDims = null;
            start.layerInDims = null;
            return;
        }
        start.layerNames = new String[layers.size()];
        start.layerOutDims = new int[layers.size()];
        start.layerInDims = new int[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            start.layerNames[i] = layers.get(i).name();
            start.layerOutDims[i] = layers.get(i).outDim();
            start.layerInDims[i] = layers.get(i).inDim();
        }
    }

    public static RunEvent probeRow(String runId, int checkpoint, long sampleId, float loss, float[] sketch) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.probe = new ProbeRow();
        event.probe.checkpoint = checkpoint;
        event.probe.sampleId = sampleId;
        event.probe.loss = loss;
        event.probe.sketch = sketch;
        return event;
    }

    public static RunEvent closed(String runId, int checkpoint, long sourceRows, boolean shortCheckpoint, long watermark) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.closed = new Closed();
        event.closed.checkpoint = checkpoint;
        event.closed.sourceRows = sourceRows;
        event.closed.shortCheckpoint = shortCheckpoint;
        event.closed.watermark = watermark;
        return event;
    }

    public static RunEvent released(String runId, int lastCheckpoint, boolean expired, long watermark) {
        RunEvent event = new RunEvent();
        event.runId = runId;
        event.released = new Released();
        event.released.lastCheckpoint = lastCheckpoint;
        event.released.expired = expired;
        event.released.watermark = watermark;
        return event;
    }
}
