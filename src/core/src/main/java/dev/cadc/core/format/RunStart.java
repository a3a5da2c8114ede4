package dev.cadc.core.format;

import dev.cadc.core.sketch.LayerShape;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The control record that opens a run: it fixes the sketch dimension, projection seed and kind every
 * sketch of the run must carry, and which sketches feed influence. It may also name the layers the
 * trainer sketches ({@code layers}, optional), so that two producers of one run can be checked for
 * the same model.
 *
 * @param layers the sketched layers in sketch order, or {@code null} when the record does not give them
 *     (an empty list is a list that was given)
 * @throws InvalidRecordException BAD_CONTROL_RECORD for an empty run id, a dimension below 1 or a
 *     malformed layer
 */
public record RunStart(
        String runId,
        int sketchDim,
        long projectionSeed,
        ProjectionKind projectionKind,
        InfluenceSource influenceSource,
        List<Layer> layers) implements ControlRecord {

    /**
     * One sketched layer as the trainer names it: its name (any string, the empty one included: a
     * PyTorch model that is itself one {@code nn.Linear} is named {@code ""}) and its weight's shape
     * {@code [out, in]}.
     */
    public record Layer(String name, int outDim, int inDim) {

        public Layer {
            if (name == null) {
                throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD, "a run-start layer needs a name");
            }
            if (outDim < 1 || inDim < 1) {
                throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD,
                        "run-start layer '" + name + "': shape must be [out, in] with both >= 1, got [" + outDim + ", " + inDim + "]");
            }
        }

        /** The layer's shape as the Kronecker projection sees it. */
        public LayerShape shape() {
            return new LayerShape(outDim, inDim);
        }

        @Override
        public String toString() {
            return "'" + name + "' [" + outDim + ", " + inDim + "]";
        }
    }

    public RunStart {
        if (runId == null || runId.isEmpty()) {
            throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD, "run-start needs a non-empty run_id");
        }
        if (sketchDim < 1) {
            throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD,
                    "run-start of run " + runId + ": sketch_dim must be >= 1, got " + sketchDim);
        }
        Objects.requireNonNull(projectionKind, "projectionKind");
        Objects.requireNonNull(influenceSource, "influenceSource");
        if (layers != null) {
            List<Layer> copy = new ArrayList<>(layers);
            if (copy.contains(null)) {
                throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD, "run-start of run " + runId + ": a layer is null");
            }
            layers = Collections.unmodifiableList(copy);
        }
    }

    /** A run-start that does not name its layers. */
    public RunStart(String runId, int sketchDim, long projectionSeed, ProjectionKind projectionKind,
            InfluenceSource influenceSource) {
        this(runId, sketchDim, projectionSeed, projectionKind, influenceSource, null);
    }

    /** Whether the record gives its layer list. */
    public boolean hasLayers() {
        return layers != null;
    }

    /** The same record naming {@code layers} (null: none). */
    public RunStart withLayers(List<Layer> layers) {
        return new RunStart(runId, sketchDim, projectionSeed, projectionKind, influenceSource, layers);
    }

    /** The run's projection, which every sketch batch of the run must carry in its metadata. */
    public ProjectionSpec projection() {
        return new ProjectionSpec(sketchDim, projectionSeed, projectionKind);
    }

    @Override
    public String recordType() {
        return WireFormat.RECORD_TYPE_RUN_START;
    }
}
