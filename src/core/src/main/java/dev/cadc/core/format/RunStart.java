package dev.cadc.core.format;

import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.util.Objects;

/**
 * The control record that opens a run: it fixes the sketch dimension, projection seed and kind every
 * sketch of the run must carry, and which sketches feed influence.
 *
 * @throws InvalidRecordException BAD_CONTROL_RECORD for an empty run id or a dimension below 1
 */
public record RunStart(
        String runId,
        int sketchDim,
        long projectionSeed,
        ProjectionKind projectionKind,
        InfluenceSource influenceSource) implements ControlRecord {

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
