package dev.cadc.core.run;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.sketch.ProjectionSpec;
import java.util.List;

/**
 * What a run's records must agree on with the run's first run-start, wherever they are judged (the
 * job's validator; anything else that reads a run's stream). Each check throws the
 * {@link InvalidRecordException} whose reason goes on the dead letter.
 */
public final class RunAdmission {

    private RunAdmission() {}

    /**
     * Admits a repeated run-start (another producer of the run, a restarted trainer) and returns the
     * run's layers after it. It must name the same projection and influence source as the run
     * (PROJECTION_MISMATCH), and the same layers when both give a list (LAYER_MISMATCH): the run's
     * list is the first list any run-start of the run gave, and a run-start without layers matches
     * any list.
     */
    public static List<RunStart.Layer> admitRepeatedStart(RunStart run, RunStart again) {
        if (run.sketchDim() != again.sketchDim() || run.projectionSeed() != again.projectionSeed()
                || run.projectionKind() != again.projectionKind() || run.influenceSource() != again.influenceSource()) {
            throw new InvalidRecordException(ReasonCode.PROJECTION_MISMATCH, "run " + run.runId()
                    + " was already started with another projection or influence source; use a new run id");
        }
        if (!again.hasLayers()) {
            return run.layers();
        }
        if (!run.hasLayers()) {
            return again.layers();
        }
        if (!run.layers().equals(again.layers())) {
            throw new InvalidRecordException(ReasonCode.LAYER_MISMATCH, "run " + run.runId() + " was started with layers "
                    + run.layers() + " but this run-start names " + again.layers()
                    + "; every producer of a run must sketch the same layers of the same model (or use a new run id)");
        }
        return run.layers();
    }

    /** Admits a sketch batch of projection {@code batch} into {@code run} (WRONG_DIMENSION, PROJECTION_MISMATCH). */
    public static void admitBatch(RunStart run, ProjectionSpec batch) {
        if (batch.sketchDim() != run.sketchDim()) {
            throw new InvalidRecordException(ReasonCode.WRONG_DIMENSION, "sketches of dimension " + batch.sketchDim()
                    + " but run " + run.runId() + " was started with " + run.sketchDim());
        }
        if (batch.seed() != run.projectionSeed() || batch.kind() != run.projectionKind()) {
            throw new InvalidRecordException(ReasonCode.PROJECTION_MISMATCH, "projection " + batch
                    + " differs from run " + run.runId() + "'s (seed " + run.projectionSeed() + ", " + run.projectionKind() + ")");
        }
    }

    /**
     * Admits a run-end naming {@code lastCheckpoint}, given the last checkpoint an earlier run-end named
     * ({@code null}: none) and the run's next checkpoint to close (INVALID_VALUE when they disagree).
     */
    public static void admitRunEnd(Integer namedBefore, int lastCheckpoint, int nextToClose) {
        if (namedBefore != null && namedBefore != lastCheckpoint) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "run-end names last checkpoint " + lastCheckpoint
                    + " but an earlier run-end named " + namedBefore);
        }
        if (lastCheckpoint < nextToClose - 1) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, "run-end names last checkpoint " + lastCheckpoint
                    + " but checkpoint " + (nextToClose - 1) + " was already closed");
        }
    }

    /** Admits a record naming run {@code inRecord} under key {@code key} (RUN_MISMATCH). */
    public static void admitRunId(String inRecord, String key) {
        if (!inRecord.equals(key)) {
            throw new InvalidRecordException(ReasonCode.RUN_MISMATCH, "record names run " + inRecord + " but its key is " + key);
        }
    }
}
